import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Feature, FeatureCollection, Point } from 'geojson';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { DEMO_REPLAY_SETTING } from '#app/infra';
import { linkState, type LinkState } from './live-status.js';

export interface LiveCar {
  vehicleId: string;
  plateNumber: string;
  unitId: string;
  unitName: string;
  category: string;
  terminalId: string | null;
  state: LinkState;
  online: boolean;
  fixTime: string | null;
  receivedAt: string | null;
  lat: number | null;
  lon: number | null;
  speedKmh: number | null;
  headingDeg: number | null;
  ignition: boolean | null;
  alarmFlags: number | null;
  valid: boolean | null;
}

export interface LiveCounts {
  total: number;
  online: number;
  offline: number;
  neverReported: number;
}

export interface FleetLive {
  at: string;
  /**
   * While the demo replays a recorded day, the time in that day (the fixes carry it): a fix "two days old"
   * is then the replay's present. Null otherwise.
   */
  replayClock: string | null;
  offlineAfterSeconds: number;
  counts: LiveCounts;
  vehicles: LiveCar[];
}

interface LiveRow {
  vehicle_id: string;
  plate_number: string;
  unit_id: string;
  unit_name: string;
  category: string;
  terminal_id: string | null;
  fix_time: Date | null;
  received_at: Date | null;
  lat: number | null;
  lon: number | null;
  speed_kmh: number | null;
  heading_deg: number | null;
  ignition: boolean | null;
  alarm_flags: string | null;
  valid: boolean | null;
  online: boolean | null;
}

/**
 * The fleet as it stands now: every active car with its open binding and the live row the gateway keeps
 * per terminal. One small join over registry-sized tables; the positions table is never read here.
 */
@Injectable()
export class FleetLiveService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async live(unitId?: string): Promise<FleetLive> {
    const rows: LiveRow[] = await this.db.query(
      `SELECT v.id AS vehicle_id, v.plate_number, v.unit_id, u.name AS unit_name, v.category, b.terminal_id,
              l.fix_time, l.received_at, l.lat, l.lon, l.speed_kmh, l.heading_deg, l.ignition, l.alarm_flags,
              l.valid, l.online
         FROM vehicles v
         JOIN units u ON u.id = v.unit_id
         LEFT JOIN terminal_bindings b ON b.vehicle_id = v.id AND b.valid_to IS NULL
         LEFT JOIN vehicle_live l ON l.terminal_id = b.terminal_id
        WHERE v.status = 'active' AND ($1::uuid IS NULL OR v.unit_id = $1::uuid)
        ORDER BY u.name, v.plate_number`,
      [unitId ?? null],
    );
    const now = this.clock.now();
    const offlineAfter = this.config.ingest.offlineAfterSeconds;
    const counts: LiveCounts = { total: rows.length, online: 0, offline: 0, neverReported: 0 };
    const vehicles = rows.map((row): LiveCar => {
      const state = linkState(
        { fixTime: row.fix_time, receivedAt: row.received_at, statusOnline: row.online },
        now,
        offlineAfter,
      );
      if (state === 'online') counts.online++;
      else if (state === 'offline') counts.offline++;
      else counts.neverReported++;
      return {
        vehicleId: row.vehicle_id,
        plateNumber: row.plate_number,
        unitId: row.unit_id,
        unitName: row.unit_name,
        category: row.category,
        terminalId: row.terminal_id,
        state,
        online: state === 'online',
        fixTime: row.fix_time?.toISOString() ?? null,
        receivedAt: row.received_at?.toISOString() ?? null,
        lat: row.lat,
        lon: row.lon,
        speedKmh: row.speed_kmh,
        headingDeg: row.heading_deg,
        ignition: row.ignition,
        alarmFlags: row.alarm_flags === null ? null : Number(row.alarm_flags),
        valid: row.valid,
      };
    });
    return {
      at: now.toISOString(),
      replayClock: await this.replayClock(now),
      offlineAfterSeconds: offlineAfter,
      counts,
      vehicles,
    };
  }

  /** The demo's replay clock, when a running demo reported it within the last minute. */
  private async replayClock(now: Date): Promise<string | null> {
    const rows: { value: string }[] = await this.db.query(`SELECT value FROM settings WHERE key = $1`, [
      DEMO_REPLAY_SETTING,
    ]);
    if (!rows[0]) return null;
    try {
      const replay = JSON.parse(rows[0].value) as { clock: string; reportedAt: string };
      return now.getTime() - Date.parse(replay.reportedAt) < 60_000 ? replay.clock : null;
    } catch {
      return null;
    }
  }
}

/** The same answer as map points; the counts travel along as a foreign member of the collection. */
export function toGeoJson(live: FleetLive): FeatureCollection<Point> & Omit<FleetLive, 'vehicles'> {
  const features: Feature<Point>[] = [];
  for (const car of live.vehicles) {
    if (car.lat === null || car.lon === null) continue;
    const { lat, lon, ...properties } = car;
    features.push({
      type: 'Feature',
      id: car.vehicleId,
      geometry: { type: 'Point', coordinates: [lon, lat] },
      properties,
    });
  }
  return {
    type: 'FeatureCollection',
    at: live.at,
    replayClock: live.replayClock,
    offlineAfterSeconds: live.offlineAfterSeconds,
    counts: live.counts,
    features,
  };
}
