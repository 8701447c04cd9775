import type pg from 'pg';
import type { Polygon } from 'geojson';
import type { HandoffPosition } from '#app/handoff';

export interface SeededCar {
  unitId: string;
  vehicleId: string;
  terminalId: string;
}

let seq = 0;

/** A unit, a car of `category` and its bound terminal, as the registry would store them. */
export async function seedCar(db: pg.Pool, category = 'general'): Promise<SeededCar> {
  const n = ++seq;
  const suffix = `${process.pid}${n}`.slice(-5);
  const unit = await db.query<{ id: string }>(`INSERT INTO units (name, vehicle_quota) VALUES ($1, 10) RETURNING id`, [
    `Unit ${suffix}-${n}`,
  ]);
  const plate = `苏N·D${suffix}`;
  const vehicle = await db.query<{ id: string }>(
    `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id) VALUES ($1, $2, $3, $4) RETURNING id`,
    [plate, plate.replace('·', ''), category, unit.rows[0].id],
  );
  const terminalId = `DT${suffix}${n}`;
  await db.query(`INSERT INTO terminals (terminal_id, secret_hash) VALUES ($1, 'x')`, [terminalId]);
  await db.query(
    `INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from) VALUES ($1, $2, DATE '2026-01-01')`,
    [vehicle.rows[0].id, terminalId],
  );
  return { unitId: unit.rows[0].id, vehicleId: vehicle.rows[0].id, terminalId };
}

export interface Fix {
  t: number;
  lat: number;
  lon: number;
  speed: number;
  ignition?: boolean;
  valid?: boolean;
  alarm?: number;
}

/** Stores positions as the gateway does (one multi-row statement; duplicates ignored). */
export async function storePositions(db: pg.Pool, car: SeededCar, fixes: Fix[], replay = false): Promise<void> {
  if (fixes.length === 0) return;
  await db.query(
    `INSERT INTO positions (terminal_id, fix_time, vehicle_id, lat, lon, speed_kmh, valid, ignition, alarm_flags, replay)
     SELECT $1, to_timestamp(f.t / 1000.0), $2, f.lat, f.lon, f.speed, f.valid, f.ignition, f.alarm, $4
       FROM jsonb_to_recordset($3::jsonb) AS f(t bigint, lat float8, lon float8, speed real, valid boolean,
                                               ignition boolean, alarm bigint)
     ON CONFLICT DO NOTHING`,
    [
      car.terminalId,
      car.vehicleId,
      JSON.stringify(
        fixes.map((f) => ({
          t: f.t,
          lat: f.lat,
          lon: f.lon,
          speed: f.speed,
          valid: f.valid ?? true,
          ignition: f.ignition ?? f.speed > 0,
          alarm: f.alarm ?? 0,
        })),
      ),
      replay,
    ],
  );
}

export const ORIGIN = { lat: 33.96, lon: 118.28 };

/** A drive followed by one fix standing with the ignition off, as a terminal reports parking. */
export function driveAndPark(start: number, count: number, every: number, speed: number, fromM = 0): Fix[] {
  const drive = driveEast(start, count, every, speed, fromM);
  const last = drive[drive.length - 1];
  return [...drive, { t: last.t + every * 1000, lat: last.lat, lon: last.lon, speed: 0, ignition: false }];
}

/** `count` fixes every `every` s from `start` (ms), driving east at `speed` km/h from `fromM` metres east of ORIGIN. */
export function driveEast(start: number, count: number, every: number, speed: number, fromM = 0): Fix[] {
  const mPerDegLon = 111_320 * Math.cos((ORIGIN.lat * Math.PI) / 180);
  return Array.from({ length: count }, (_, i) => ({
    t: start + i * every * 1000,
    lat: ORIGIN.lat,
    lon: ORIGIN.lon + (fromM + (i * every * speed) / 3.6) / mPerDegLon,
    speed,
  }));
}

export function standAt(
  start: number,
  count: number,
  every: number,
  at: { lat: number; lon: number },
  ignition = false,
): Fix[] {
  return Array.from({ length: count }, (_, i) => ({
    t: start + i * every * 1000,
    lat: at.lat,
    lon: at.lon,
    speed: 0,
    ignition,
  }));
}

export function squareAround(center: { lat: number; lon: number }, halfM: number): Polygon {
  const dLat = halfM / 111_320;
  const dLon = halfM / (111_320 * Math.cos((center.lat * Math.PI) / 180));
  const [s, n, w, e] = [center.lat - dLat, center.lat + dLat, center.lon - dLon, center.lon + dLon];
  return {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  };
}

export async function seedFence(db: pg.Pool, name: string, kind: string, polygon: Polygon): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO fences (name, kind, coordinate_system, shape_type, source_geometry, geometry)
     VALUES ($1, $2, 'WGS84', 'polygon', $3, $3) RETURNING id`,
    [name, kind, JSON.stringify(polygon)],
  );
  return rows[0].id;
}

/** "2026-11-19 20:00:00" Asia/Shanghai → epoch ms. */
export const local = (s: string): number => Date.parse(`${s.replace(' ', 'T')}+08:00`);

/** A fix as the gateway's hand-off carries it, received at `receivedAt` (now by default). */
export function asHandoff(car: SeededCar, f: Fix, receivedAt = Date.now()): HandoffPosition {
  return {
    vehicleId: car.vehicleId,
    terminalId: car.terminalId,
    fixTime: f.t,
    receivedAt,
    lat: f.lat,
    lon: f.lon,
    speedKmh: f.speed,
    headingDeg: null,
    valid: f.valid ?? true,
    ignition: f.ignition ?? f.speed > 0,
    alarmFlags: f.alarm ?? 0,
    statusFlags: null,
    odometerKm: null,
    replay: false,
  };
}
