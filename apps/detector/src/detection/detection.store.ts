import type { EntityManager } from 'typeorm';
import {
  initialVehicleState,
  type Finding,
  type FindingEvent,
  type RulePosition,
  type Trip,
  type VehicleState,
} from '#app/rules';
import { packRecent, packState, unpackRecent, unpackState } from './state-codec.js';

/** Anything that runs SQL and returns rows (TypeORM DataSource or EntityManager). */
export interface Sql {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export const rowsOf = <T>(result: unknown): T[] =>
  (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];

export interface StoredVehicleState {
  vehicleId: string;
  watermark: number | null;
  readAt: Date;
  /** Fix time → receive time of positions evaluated that a read overlapping the last one would see again. */
  recent: Map<number, number>;
  state: VehicleState;
}

function pairs(flat: number[]): Map<number, number> {
  const map = new Map<number, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i], flat[i + 1]);
  return map;
}

export async function loadStates(db: Sql, vehicleIds: string[]): Promise<Map<string, StoredVehicleState>> {
  const rows = rowsOf<{
    vehicle_id: string;
    watermark: Date | null;
    read_at: Date;
    recent_positions_ms: string[];
    recent_packed: Buffer | null;
    state: VehicleState | null;
    state_packed: Buffer | null;
  }>(
    await db.query(
      `SELECT vehicle_id, watermark, read_at, recent_positions_ms, recent_packed, state, state_packed
         FROM detector_vehicle_state WHERE vehicle_id = ANY($1::uuid[])`,
      [vehicleIds],
    ),
  );
  return new Map(
    rows.map((r) => [
      r.vehicle_id,
      {
        vehicleId: r.vehicle_id,
        watermark: r.watermark ? r.watermark.getTime() : null,
        readAt: r.read_at,
        // Rows written before states were packed keep their jsonb and bigint[] forms.
        recent: r.recent_packed ? unpackRecent(r.recent_packed) : pairs(r.recent_positions_ms.map(Number)),
        state: r.state_packed ? unpackState(r.state_packed) : r.state!,
      },
    ]),
  );
}

export interface Arrived {
  vehicleId: string;
  readAt: Date;
  /** Positions received since the car's last read (minus the margin), in fix-time order, up to the limit. */
  positions: LoadedPosition[];
}

/**
 * One read for many cars: everything received since each car's last read (minus a margin for transactions that
 * committed late). New data has fix times above the watermark; late data at or below it.
 */
export async function loadArrived(db: Sql, since: Map<string, Date>, limit: number): Promise<Arrived[]> {
  const ids = [...since.keys()];
  const rows = rowsOf<PositionRow & { read_at: Date }>(
    await db.query(
      `SELECT q.vid, now() AS read_at, p.terminal_id, p.fix_time, p.received_at, p.lat, p.lon, p.speed_kmh, p.valid,
              p.ignition, p.alarm_flags, p.odometer_km
         FROM unnest($1::uuid[], $2::timestamptz[]) AS q(vid, since)
         LEFT JOIN LATERAL (${receivedSince('q.vid', 'q.since', '$3')}) p ON true`,
      [ids, ids.map((id) => since.get(id)!), limit],
    ),
  );
  const out = new Map<string, Arrived>();
  for (const r of rows) {
    let a = out.get(r.vid);
    if (!a) out.set(r.vid, (a = { vehicleId: r.vid, readAt: r.read_at, positions: [] }));
    if (r.fix_time) a.positions.push(toPosition(r));
  }
  return [...out.values()];
}

/**
 * The positions of a car received after `since`, in fix-time order, at most `limit`: in two disjoint parts, so
 * that neither needs an index of every position by arrival. A position received within a minute of its fix
 * has a fix time less than a minute before `since`, and is found through (vehicle_id, fix_time); a later one
 * is in the partial index of late arrivals, whose predicate the second part repeats word for word (and, few
 * as late arrivals are, reads whole rather than in fix-time order, which would walk the car's whole history).
 */
export function receivedSince(vehicle: string, since: string, limit: string): string {
  return `(${onTime(vehicle, since)} ORDER BY p.fix_time LIMIT ${limit})
          UNION ALL (${late(vehicle, since)})
          ORDER BY fix_time LIMIT ${limit}`;
}

/** How many positions receivedSince returns (the same two parts, counted without sorting or reading them out). */
export function countReceivedSince(vehicle: string, since: string): string {
  return `((SELECT count(*) FROM (${onTime(vehicle, since)}) o) + (SELECT count(*) FROM (${late(vehicle, since)}) l))`;
}

/** Whether anything of the car was received after `since` (the same two parts). */
export function anyReceivedSince(vehicle: string, since: string): string {
  return `(EXISTS (${onTime(vehicle, since)}) OR EXISTS (${late(vehicle, since)}))`;
}

/** The predicate of the partial index positions_late_received. */
const LATE = `p.received_at - p.fix_time > interval '1 minute'`;

const onTime = (vehicle: string, since: string) =>
  `SELECT * FROM positions_of_vehicle(${vehicle}, ${since} - interval '1 minute', 'infinity') p
    WHERE p.fix_time > ${since} - interval '1 minute' AND p.received_at > ${since} AND NOT (${LATE})`;

/** positions_received_since() repeats the index's predicate on the recent rows and prunes the packs. */
const late = (vehicle: string, since: string) =>
  `SELECT * FROM positions_received_since(${vehicle}, ${since}) p WHERE ${LATE}`;

export async function loadCheckpoint(
  db: Sql,
  vehicleId: string,
  before: number,
): Promise<{ at: number; state: VehicleState } | null> {
  const rows = rowsOf<{ at: Date; state: VehicleState | null; state_packed: Buffer | null }>(
    await db.query(
      `SELECT at, state, state_packed FROM detector_checkpoints WHERE vehicle_id = $1 AND at < $2
        ORDER BY at DESC LIMIT 1`,
      [vehicleId, new Date(before)],
    ),
  );
  const r = rows[0];
  return r ? { at: r.at.getTime(), state: r.state_packed ? unpackState(r.state_packed) : r.state! } : null;
}

export interface LoadedPosition extends RulePosition {
  receivedMs: number;
}

interface PositionRow {
  vid: string;
  terminal_id: string;
  fix_time: Date;
  received_at: Date;
  lat: number;
  lon: number;
  speed_kmh: number | null;
  valid: boolean;
  ignition: boolean | null;
  alarm_flags: string | null;
  odometer_km: number | null;
}

function toPosition(r: PositionRow): LoadedPosition {
  return {
    terminalId: r.terminal_id,
    t: r.fix_time.getTime(),
    receivedMs: r.received_at.getTime(),
    lat: r.lat,
    lon: r.lon,
    speedKmh: r.speed_kmh,
    valid: r.valid,
    ignition: r.ignition,
    alarmFlags: r.alarm_flags === null ? null : Number(r.alarm_flags),
    odometerKm: r.odometer_km,
  };
}

/** Up to `limit` positions per car after the given fix time, in fix-time order. */
export async function loadPositions(
  db: Sql,
  after: Map<string, number>,
  limit: number,
): Promise<Map<string, LoadedPosition[]>> {
  const ids = [...after.keys()];
  const rows = rowsOf<PositionRow>(
    await db.query(
      `SELECT q.vid, p.terminal_id, p.fix_time, p.received_at, p.lat, p.lon, p.speed_kmh, p.valid, p.ignition,
              p.alarm_flags, p.odometer_km
         FROM unnest($1::uuid[], $2::timestamptz[]) AS q(vid, after)
         CROSS JOIN LATERAL (
           SELECT * FROM positions_of_vehicle(q.vid, q.after, 'infinity') p WHERE p.fix_time > q.after
            ORDER BY p.fix_time LIMIT $3
         ) p`,
      [ids, ids.map((id) => new Date(after.get(id)!)), limit],
    ),
  );
  const out = new Map<string, LoadedPosition[]>();
  for (const r of rows) {
    let list = out.get(r.vid);
    if (!list) out.set(r.vid, (list = []));
    list.push(toPosition(r));
  }
  return out;
}

export interface VehicleWrite {
  vehicleId: string;
  readAt: Date;
  recent: Map<number, number>;
  state: VehicleState;
  /**
   * Whether the watermark and state are saved now, as the car's checkpoint (the state row and a snapshot to
   * re-evaluate late data from). In between they live in memory only: after a crash the positions after the
   * last checkpoint are evaluated again, which raises nothing twice.
   */
  persist: boolean;
  /** Set when the car was re-evaluated from this checkpoint: later trips and snapshots are derived again. */
  replayedFrom: number | null;
  /** Evaluated for the first time: the empty state is also kept as the snapshot at the epoch. */
  fresh: boolean;
  /** Raise findings by overlap with those already raised (after a re-evaluation), not only by exact start. */
  merge: boolean;
  /** Raised findings still under way, so their end time stays current. */
  ongoing: { rule: string; start: number; end: number }[];
  findings: FindingEvent[];
  trips: Trip[];
}

/** A bulk write: one statement whose only parameter, `$1`, is a JSON document of rows. */
export interface BulkWrite {
  sql: string;
  json: string;
}

const bulk = (sql: string, rows: unknown[]): BulkWrite => ({ sql, json: JSON.stringify(rows) });

/** Runs bulk writes one statement at a time (inside the caller's transaction). */
export async function runBulk(m: Sql, writes: BulkWrite[]): Promise<void> {
  for (const w of writes) await m.query(w.sql, [w.json]);
}

/**
 * A bulk write as plain SQL with its document quoted in (dollar-quoted: no character of it is escaped), for
 * sending many statements in one message.
 */
export function inlineBulk(w: BulkWrite): string {
  let tag = '$j$';
  for (let i = 0; w.json.includes(tag); i++) tag = `$j${i}$`;
  return w.sql.replace('$1', () => tag + w.json + tag);
}

/** The states (and snapshots) of the cars due to be written, with the bytes of state they carry. */
export function vehicleStateWrites(all: VehicleWrite[]): { writes: BulkWrite[]; stateBytes: number } {
  const due = all.filter((w) => w.persist || w.fresh);
  if (due.length === 0) return { writes: [], stateBytes: 0 };
  let stateBytes = 0;
  const packed = (buf: Buffer) => {
    stateBytes += buf.length;
    return buf.toString('base64');
  };
  const rows = due.map((w) => {
    const state = packed(packState(w.state));
    return {
      vehicle_id: w.vehicleId,
      watermark: w.state.lastT === null ? null : new Date(w.state.lastT).toISOString(),
      read_at: w.readAt.toISOString(),
      recent: packed(packRecent(w.recent)),
      state,
    };
  });
  const out: BulkWrite[] = [
    bulk(
      `INSERT INTO detector_vehicle_state (vehicle_id, watermark, read_at, recent_packed, state_packed, state,
                                          recent_positions_ms, updated_at)
     SELECT w.vehicle_id, w.watermark, w.read_at, decode(w.recent, 'base64'), decode(w.state, 'base64'), NULL, '{}', now()
       FROM jsonb_to_recordset($1::jsonb)
         AS w(vehicle_id uuid, watermark timestamptz, read_at timestamptz, recent text, state text)
     ON CONFLICT (vehicle_id) DO UPDATE SET watermark = excluded.watermark, read_at = excluded.read_at,
       recent_packed = excluded.recent_packed, state_packed = excluded.state_packed, state = NULL,
       recent_positions_ms = '{}', updated_at = now()`,
      rows,
    ),
  ];
  // The checkpoint's state is also its snapshot: late data below it is evaluated again from there.
  const snapshots: { vehicle_id: string; at: string; state: string }[] = [];
  due.forEach((w, i) => {
    const epoch = new Date(0).toISOString();
    if (w.fresh)
      snapshots.push({ vehicle_id: w.vehicleId, at: epoch, state: packed(packState(initialVehicleState())) });
    // A car's first state needs no snapshot of its own beside the empty one at the epoch.
    if (!w.persist || w.fresh || rows[i].watermark === null) return;
    stateBytes += Buffer.byteLength(rows[i].state, 'base64');
    snapshots.push({ vehicle_id: w.vehicleId, at: rows[i].watermark, state: rows[i].state });
  });
  if (snapshots.length > 0) {
    out.push(
      bulk(
        `INSERT INTO detector_checkpoints (vehicle_id, at, state_packed)
         SELECT w.vehicle_id, w.at, decode(w.state, 'base64')
           FROM jsonb_to_recordset($1::jsonb) AS w(vehicle_id uuid, at timestamptz, state text)
         ON CONFLICT (vehicle_id, at) DO UPDATE SET state_packed = excluded.state_packed, state = NULL`,
        snapshots,
      ),
    );
  }
  return { writes: out, stateBytes };
}

const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** Moves the end of raised findings still under way. */
export function ongoingWrites(writes: VehicleWrite[]): BulkWrite[] {
  const rows = writes.flatMap((w) =>
    w.ongoing.map((o) => ({
      vehicle_id: w.vehicleId,
      rule: o.rule,
      start_time: new Date(o.start).toISOString(),
      end_time: new Date(o.end).toISOString(),
    })),
  );
  if (rows.length === 0) return [];
  return [
    bulk(
      `UPDATE violations v SET end_time = x.end_time,
            evidence = v.evidence || jsonb_build_object('to', to_char(x.end_time AT TIME ZONE 'UTC', ${ISO_UTC}))
       FROM jsonb_to_recordset($1::jsonb) AS x(vehicle_id uuid, rule text, start_time timestamptz, end_time timestamptz)
      WHERE v.vehicle_id = x.vehicle_id AND v.rule = x.rule AND v.start_time = x.start_time
        AND (v.end_time IS NULL OR v.end_time < x.end_time)`,
      rows,
    ),
  ];
}

/** Forgets the trips and snapshots derived after `after` (a re-evaluation derives them again), as plain SQL. */
export function forgetAfterSql(vehicleId: string, after: number): string {
  if (!/^[0-9a-f-]{36}$/i.test(vehicleId)) throw new Error(`not a vehicle id: ${vehicleId}`);
  const at = `'${new Date(after).toISOString()}'::timestamptz`;
  return `DELETE FROM trips WHERE vehicle_id = '${vehicleId}' AND start_time > ${at};
          DELETE FROM detector_checkpoints WHERE vehicle_id = '${vehicleId}' AND at > ${at}`;
}

export function tripWrites(trips: Trip[]): BulkWrite[] {
  if (trips.length === 0) return [];
  return [
    bulk(
      `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m,
                        off_hours_distance_m, max_speed_kmh)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(vehicle_id uuid, start_time timestamptz, end_time timestamptz,
       start_lat float8, start_lon float8, end_lat float8, end_lon float8, distance_m float8,
       off_hours_distance_m float8, max_speed_kmh real)
     ON CONFLICT (vehicle_id, start_time) DO UPDATE SET end_time = excluded.end_time, end_lat = excluded.end_lat,
       end_lon = excluded.end_lon, distance_m = excluded.distance_m,
       off_hours_distance_m = excluded.off_hours_distance_m, max_speed_kmh = excluded.max_speed_kmh`,
      trips.map((t) => ({
        vehicle_id: t.vehicleId,
        start_time: new Date(t.start).toISOString(),
        end_time: new Date(t.end).toISOString(),
        start_lat: t.startLat,
        start_lon: t.startLon,
        end_lat: t.endLat,
        end_lon: t.endLon,
        distance_m: Math.round(t.distanceM * 10) / 10,
        off_hours_distance_m: Math.round(t.offHoursDistanceM * 10) / 10,
        max_speed_kmh: t.maxSpeedKmh,
      })),
    ),
  ];
}

/** Raises (once) or extends a finding; returns the id of a newly raised violation, if any. */
export async function saveFinding(
  m: EntityManager,
  event: FindingEvent,
  replayed: boolean,
): Promise<{ id: string; new: boolean } | null> {
  const f = event.finding;
  const start = new Date(f.start);
  const end = new Date(f.end);
  if (!replayed && event.type === 'open') return insertFinding(m, event);
  // The same episode seen again (a replay that starts it a little differently) extends the one already raised.
  const existing = rowsOf<{ id: string }>(
    await m.query(
      `SELECT id FROM violations WHERE vehicle_id = $1 AND rule = $2
          AND (start_time = $3 OR (start_time < $4 AND coalesce(end_time, start_time) > $3))
        ORDER BY start_time LIMIT 1`,
      [f.vehicleId, f.rule, start, end],
    ),
  );
  if (existing.length > 0) {
    await m.query(
      `UPDATE violations SET end_time = GREATEST(coalesce(end_time, start_time), $2),
              evidence = evidence || jsonb_build_object('to', to_char(GREATEST(coalesce(end_time, start_time), $2) AT TIME ZONE 'UTC', ${ISO_UTC}),
                                                        'positions', GREATEST((evidence->>'positions')::int, $3))
        WHERE id = $1`,
      [existing[0].id, end, f.evidence.positions],
    );
    return { id: existing[0].id, new: false };
  }
  return insertFinding(m, event);
}

/** A finding's values for `violations` ($1–$11: vehicle_id … evidence), in the column order both inserts use. */
export function violationValues(f: Finding): unknown[] {
  return [
    f.vehicleId,
    f.terminalId || null,
    f.rule,
    f.kind,
    new Date(f.start),
    new Date(f.end),
    f.lat,
    f.lon,
    f.place,
    f.fenceId,
    JSON.stringify(f.evidence),
  ];
}

/** Evaluation from a stored state repeats a finding with the same start, which the unique index absorbs. */
async function insertFinding(m: EntityManager, event: FindingEvent): Promise<{ id: string; new: boolean } | null> {
  const f = event.finding;
  const inserted = rowsOf<{ id: string }>(
    await m.query(
      `INSERT INTO violations (vehicle_id, terminal_id, rule, kind, start_time, end_time, lat, lon, place, fence_id, evidence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (vehicle_id, rule, start_time) DO NOTHING RETURNING id`,
      violationValues(f),
    ),
  );
  return inserted[0] ? { id: inserted[0].id, new: true } : null;
}
