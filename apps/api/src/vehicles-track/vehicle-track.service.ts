import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Feature, FeatureCollection, Geometry, LineString, Point } from 'geojson';
import { DataSource } from 'typeorm';

export interface TrackPointProperties {
  kind: 'fix';
  fixTime: string;
  terminalId: string;
  valid: boolean;
  speedKmh: number | null;
  headingDeg: number | null;
  ignition: boolean | null;
  alarmFlags: number | null;
  odometerKm: number | null;
  replay: boolean;
}

export interface TrackLineProperties {
  kind: 'track';
  fixes: number;
}

export type VehicleTrack = FeatureCollection<Geometry | null, TrackPointProperties | TrackLineProperties> & {
  vehicleId: string;
  plateNumber: string;
  from: string;
  to: string;
};

interface FixRow {
  terminal_id: string;
  fix_time: Date;
  lat: number;
  lon: number;
  speed_kmh: number | null;
  heading_deg: number | null;
  ignition: boolean | null;
  alarm_flags: string | null;
  odometer_km: number | null;
  valid: boolean;
  replay: boolean;
}

/**
 * A car's track between two instants: the line through its valid fixes in fix-time order (blind-area
 * re-uploads fall into place), then every fix as a feature. A fix without a GNSS lock carries no geometry,
 * since its coordinates are only the terminal's last guess, but its alarms and ignition still count.
 */
@Injectable()
export class VehicleTrackService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async track(vehicleId: string, from: Date, to: Date): Promise<VehicleTrack> {
    const vehicles: { plate_number: string }[] = await this.db.query(
      'SELECT plate_number FROM vehicles WHERE id = $1',
      [vehicleId],
    );
    if (vehicles.length === 0) throw new NotFoundException(`vehicle ${vehicleId} is not known`);
    // Served by the (vehicle_id, fix_time) index.
    const rows: FixRow[] = await this.db.query(
      `SELECT terminal_id, fix_time, lat, lon, speed_kmh, heading_deg, ignition, alarm_flags, odometer_km, valid, replay
         FROM positions
        WHERE vehicle_id = $1 AND fix_time >= $2 AND fix_time < $3
        ORDER BY fix_time, terminal_id`,
      [vehicleId, from, to],
    );
    const line: [number, number][] = [];
    const points: Feature<Point | null, TrackPointProperties>[] = rows.map((row) => {
      if (row.valid) line.push([row.lon, row.lat]);
      return {
        type: 'Feature',
        geometry: row.valid ? { type: 'Point', coordinates: [row.lon, row.lat] } : null,
        properties: {
          kind: 'fix',
          fixTime: row.fix_time.toISOString(),
          terminalId: row.terminal_id,
          valid: row.valid,
          speedKmh: row.speed_kmh,
          headingDeg: row.heading_deg,
          ignition: row.ignition,
          alarmFlags: row.alarm_flags === null ? null : Number(row.alarm_flags),
          odometerKm: row.odometer_km,
          replay: row.replay,
        },
      };
    });
    // A LineString needs two positions; with fewer the collection holds only the points.
    const features: Feature<Geometry | null, TrackPointProperties | TrackLineProperties>[] = [];
    if (line.length >= 2) {
      const track: Feature<LineString, TrackLineProperties> = {
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: line },
        properties: { kind: 'track', fixes: line.length },
      };
      features.push(track);
    }
    features.push(...points);
    return {
      type: 'FeatureCollection',
      vehicleId,
      plateNumber: vehicles[0].plate_number,
      from: from.toISOString(),
      to: to.toISOString(),
      features,
    };
  }
}
