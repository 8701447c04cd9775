import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TRIP_DRIVER_JOIN, tripDriver } from '#app/registry';
import type { ListTripsQueryDto } from './trips.dto.js';

interface TripRow {
  start_time: Date;
  end_time: Date;
  start_lat: number;
  start_lon: number;
  end_lat: number;
  end_lon: number;
  distance_m: number;
  off_hours_distance_m: number;
  max_speed_kmh: number | null;
  driver_name: string | null;
  driver_certificate_no: string | null;
  driver_issuer: string | null;
  driver_since: Date | null;
}

/** Trips the detector derived from a car's positions (a trip ≥ 500 m between stops ≥ 5 min, by default). */
@Injectable()
export class TripsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(vehicleId: string, q: ListTripsQueryDto) {
    const found = (await this.db.query('SELECT 1 FROM vehicles WHERE id = $1', [vehicleId])) as unknown[];
    if (found.length === 0) throw new NotFoundException(`vehicle ${vehicleId} not found`);
    const rows = (await this.db.query(
      `SELECT t.start_time, t.end_time, t.start_lat, t.start_lon, t.end_lat, t.end_lon, t.distance_m,
              t.off_hours_distance_m, t.max_speed_kmh, d.*
         FROM trips t ${TRIP_DRIVER_JOIN}
        WHERE t.vehicle_id = $1 AND ($2::timestamptz IS NULL OR t.start_time >= $2)
          AND ($3::timestamptz IS NULL OR t.start_time < $3)
        ORDER BY t.start_time DESC LIMIT $4`,
      [vehicleId, q.from ? new Date(q.from) : null, q.to ? new Date(q.to) : null, q.limit ?? 100],
    )) as TripRow[];
    const items = rows.map((r) => ({
      startTime: r.start_time.toISOString(),
      endTime: r.end_time.toISOString(),
      start: { lat: r.start_lat, lon: r.start_lon },
      end: { lat: r.end_lat, lon: r.end_lon },
      distanceM: Math.round(r.distance_m),
      offHoursDistanceM: Math.round(r.off_hours_distance_m),
      maxSpeedKmh: r.max_speed_kmh,
      durationS: Math.round((r.end_time.getTime() - r.start_time.getTime()) / 1000),
      // Who held the driver card (JT/T 808) during the trip; null when no card was in.
      driver: tripDriver(r),
    }));
    return {
      vehicleId,
      items,
      totalDistanceM: items.reduce((s, t) => s + t.distanceM, 0),
      totalOffHoursDistanceM: items.reduce((s, t) => s + t.offHoursDistanceM, 0),
    };
  }
}
