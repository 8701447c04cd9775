import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import { MIGRATIONS, packPositions } from '#app/db';
import type { DecodedMessage, PositionRecord } from '#app/telemetry';
import { writeFlush, type PendingMessage } from '../../apps/gateway/src/ingest/flush-writer.js';
import { TerminalDirectory } from '../../apps/gateway/src/ingest/terminal-directory.js';
import { trackSql } from '../../apps/api/src/vehicles-track/track-rows.js';
import { countReceivedSince, loadPositions, receivedSince } from '../../apps/detector/src/detection/detection.store.js';
import { registerFleet, type FleetTerminal } from '../ingest/support/fleet.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The gateway's and the packer's clock: 12:00 UTC on 20 November 2026. */
const NOW = Date.parse('2026-11-20T12:00:00Z');
/** The packer's horizon (POSITIONS_PACK_AFTER_MINUTES 120) and the gateway's (half an hour later). */
const HORIZON = new Date(NOW - 120 * 60_000);
const PACKED_BEFORE = NOW - 90 * 60_000;
/** 08:00 UTC: an hour the packer packs. */
const H8 = Date.parse('2026-11-20T08:00:00Z');

function fix(terminalId: string, fixTime: number, i: number, receivedAt = fixTime + 1000): PositionRecord {
  return {
    terminalId,
    fixTime,
    receivedAt,
    lat: 33.96 + i / 1e5,
    lon: 118.33 - i / 1e5,
    speedKmh: (i % 80) + 0.5,
    headingDeg: (i * 7) % 360,
    altitudeM: 21,
    satellites: 11,
    hdop: 0.8,
    valid: i % 17 !== 0,
    ignition: i % 5 !== 0,
    alarmFlags: i % 11 === 0 ? 0x8000_0010 : 0,
    statusFlags: 3,
    odometerKm: 12_345.6 + i / 10,
    seq: i,
    replay: false,
    extra: i % 13 === 0 ? { io: i } : null,
  };
}

function message(positions: PositionRecord[]): PendingMessage {
  const decoded: DecodedMessage = { terminalId: positions[0].terminalId, kind: 'positions', positions, rejections: [] };
  return {
    topic: `telematics/v1/${positions[0].terminalId}/positions`,
    payload: Buffer.alloc(0),
    receivedAt: positions[0].receivedAt,
    decoded,
    ack: () => true,
    alive: () => true,
  };
}

/** Every 15 s from `from` for `minutes`. */
const fixes = (terminalId: string, from: number, minutes: number) =>
  Array.from({ length: minutes * 4 }, (_, i) => fix(terminalId, from + i * 15_000, i));

describe('positions in rows and packs', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let fleet: FleetTerminal[];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 4 });
    fleet = await registerFleet(db, ['P-1', 'P-2', 'P-3', 'P-4']);
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  async function flush(positions: PositionRecord[], client?: pg.PoolClient) {
    const c = client ?? (await db.connect());
    try {
      return await writeFlush(c, new TerminalDirectory(), [message(positions)], false, false, PACKED_BEFORE);
    } finally {
      if (!client) c.release();
    }
  }
  async function pack(): Promise<number> {
    const client = await db.connect();
    try {
      return await packPositions(client, HORIZON);
    } finally {
      client.release();
    }
  }
  const all = async (terminalId: string) =>
    (await db.query('SELECT * FROM positions WHERE terminal_id = $1 ORDER BY fix_time', [terminalId])).rows;
  const counts = async () =>
    (
      await db.query<{ rows: number; packs: number; fixes: number }>(
        `SELECT (SELECT count(*)::int FROM position_rows) AS rows, (SELECT count(*)::int FROM position_packs) AS packs,
                (SELECT count(*)::int FROM positions) AS fixes`,
      )
    ).rows[0];

  it('packs closed hours and gives back exactly the rows stored, through the view and every reader', async () => {
    // 08:00–09:59 and 11:00–11:29 of P-1: the two first hours are past the horizon (10:00), the last is not.
    await flush(fixes('P-1', H8, 120));
    await flush(fixes('P-1', H8 + 3 * 3_600_000, 30).map((p) => ({ ...p, seq: p.seq! + 1000 })));
    const vehicle = fleet[0].vehicleId;
    const readers = async () => ({
      view: await all('P-1'),
      ofVehicle: (
        await db.query(`SELECT * FROM positions_of_vehicle($1, $2, $3) ORDER BY fix_time`, [
          vehicle,
          new Date(H8 + 1_800_000),
          new Date(H8 + 3.2 * 3_600_000),
        ])
      ).rows,
      ofTerminal: (
        await db.query(`SELECT * FROM positions_of_terminal('P-1', $1, $2) ORDER BY fix_time`, [
          new Date(H8 + 3_599_000),
          new Date(H8 + 3_601_000),
        ])
      ).rows,
      between: (
        await db.query(`SELECT * FROM positions_between($1, $2) ORDER BY fix_time`, [
          new Date(H8 - 1),
          new Date(H8 + 3_600_000),
        ])
      ).rows,
      lastFix: (await db.query(`SELECT position_last_fix('P-1', $1) AS t`, [new Date(H8 + 7_000_000)])).rows,
      late: (await db.query(`SELECT count(*)::int AS n FROM positions_received_since($1, $2)`, [vehicle, new Date(0)]))
        .rows, // The track API's statement, run as a query instead of a binary COPY.
      track: (
        await db.query(
          trackSql(
            { escapeLiteral: (v: string) => `'${v.replace(/'/g, "''")}'` },
            { vehicleId: vehicle!, from: new Date(H8 + 600_000), to: new Date(H8 + 3.5 * 3_600_000), limit: 500 },
          ).replace(/^COPY \(([\s\S]*)\) TO STDOUT \(FORMAT binary\)$/, '$1'),
        )
      ).rows,
      detector: [...(await loadPositions(db, new Map([[vehicle!, H8 + 3_000_000]]), 1000)).values()],
      arrived: (await db.query(receivedSince('$1::uuid', '$2::timestamptz', '1000'), [vehicle, new Date(H8)])).rows,
    });
    const before = await readers();
    expect(before.view).toHaveLength(600);
    // 08:30–09:59:45 and 11:00–11:12 inclusive; the fix of 09:00:00; 08:00–09:00 inclusive.
    expect(before.ofVehicle).toHaveLength(360 + 49);
    expect(before.ofTerminal).toHaveLength(1);
    expect(before.between).toHaveLength(241);
    expect(before.lastFix).toEqual([{ t: new Date(H8 + 6_990_000) }]);
    expect(before.late).toEqual([{ n: 0 }]);
    expect(before.track).toHaveLength(500);
    expect(before.detector[0]).toHaveLength(600 - 201);
    expect(before.arrived).toHaveLength(600);

    expect(await pack()).toBe(2);
    expect(await counts()).toEqual({ rows: 120, packs: 2, fixes: 600 });
    expect(await readers()).toEqual(before);
    // The wide values come back as the gateway decoded them (coordinates to the micro-degree).
    expect(before.view[11]).toMatchObject({
      lat: 33.96011,
      lon: 118.32989,
      speed_kmh: 11.5,
      alarm_flags: String(0x8000_0010),
      odometer_km: 12_346.7,
      extra: null,
    });
    expect(before.view[13].extra).toEqual({ io: 13 });
  });

  it('drops a re-sent fix of a packed hour and keeps a late new one, merged into the pack', async () => {
    const resent = fix('P-1', H8 + 10 * 15_000, 10, NOW);
    const late = { ...fix('P-1', H8 + 10 * 15_000 + 5000, 10, NOW), replay: true };
    const outcome = await flush([resent, late]);
    expect(outcome).toMatchObject({ inserted: 1, duplicates: 1 });
    expect(await counts()).toEqual({ rows: 121, packs: 2, fixes: 601 });
    // The same again, now that the late one is a row: nothing more.
    expect(await flush([resent, late])).toMatchObject({ inserted: 0, duplicates: 2 });
    expect(await pack()).toBe(1);
    expect(await counts()).toEqual({ rows: 120, packs: 2, fixes: 601 });
    const merged = await db.query(
      `SELECT cardinality(fix_us) AS n, received_max FROM position_packs WHERE terminal_id = 'P-1' AND hour = $1`,
      [new Date(H8)],
    );
    expect(merged.rows).toEqual([{ n: 241, received_max: new Date(NOW) }]);
    // And once packed, a third copy is still refused.
    expect(await flush([late])).toMatchObject({ inserted: 0, duplicates: 1 });
  });

  it('writes the fresh fixes of a flush as usual and checks only its old ones against the packs', async () => {
    const current = fix('P-1', NOW - 5 * 60_000, 1, NOW);
    const resent = fix('P-1', H8 + 20 * 15_000, 20, NOW);
    const late = { ...fix('P-1', H8 + 20 * 15_000 + 5000, 20, NOW), replay: true };
    expect(await flush([current, resent, late])).toMatchObject({ inserted: 2, duplicates: 1 });
    expect(await counts()).toEqual({ rows: 122, packs: 2, fixes: 603 });
    // Again, the fresh fix now a duplicate of a row as well: the whole flush goes the checked way.
    expect(await flush([current, resent, late])).toMatchObject({ inserted: 0, duplicates: 3 });
    expect(await counts()).toEqual({ rows: 122, packs: 2, fixes: 603 });
    // The connection's staging table holds nothing between flushes.
    const client = await db.connect();
    try {
      expect(await flush([late], client)).toMatchObject({ inserted: 0, duplicates: 1 });
      const staged = await client.query('SELECT count(*)::int AS n FROM position_rows_staging');
      expect(staged.rows).toEqual([{ n: 0 }]);
    } finally {
      client.release();
    }
    await db.query(`DELETE FROM position_rows WHERE terminal_id = 'P-1' AND fix_time IN ($1, $2)`, [
      new Date(current.fixTime),
      new Date(late.fixTime),
    ]);
  });

  it('keeps a fix once when a late flush races the packer over the same hour', async () => {
    await flush(fixes('P-2', H8, 60));
    const packer = await db.connect();
    const gateway = await db.connect();
    try {
      // The packer has moved P-2's 08:00 rows into a pack and not committed yet.
      await packer.query('BEGIN');
      await packer.query('SELECT positions_pack($1, 50)', [HORIZON]);
      // A resend of one of those fixes arrives: its flush waits for the packer's lock…
      const racing = flush([fix('P-2', H8 + 15_000, 1, NOW), fix('P-2', H8 + 20_000, 1, NOW)], gateway);
      await waitForWaiter(db);
      await packer.query('COMMIT');
      // …and then finds the fix in the pack.
      expect(await racing).toMatchObject({ inserted: 1, duplicates: 1 });
    } finally {
      packer.release();
      gateway.release();
    }
    expect((await all('P-2')).length).toBe(241);
  });

  it('refuses a duplicate inserted into the view of a packed fix, as ON CONFLICT DO NOTHING does', async () => {
    const insert = (at: number) =>
      db.query(`INSERT INTO positions (terminal_id, fix_time, lat, lon) VALUES ('P-1', $1, 33.9, 118.3)`, [
        new Date(at),
      ]);
    expect((await insert(H8 + 15_000)).rowCount).toBe(0);
    expect((await insert(H8 + 16_000)).rowCount).toBe(1);
  });

  it('stores the widest values the decoders accept (32-bit HDOP tenths, odometer and alarm words)', async () => {
    const widest = {
      ...fix('P-3', NOW - 600_000, 1),
      hdop: 429_496_729.5,
      odometerKm: 429_496_729.5,
      alarmFlags: 0xffff_ffff,
      statusFlags: 0x8000_0000,
      altitudeM: -20_000,
      speedKmh: 1000,
      satellites: 1000,
    };
    expect(await flush([widest])).toMatchObject({ inserted: 1 });
    const [row] = await all('P-3');
    expect(row).toMatchObject({
      odometer_km: 429_496_729.5,
      alarm_flags: '4294967295',
      status_flags: '2147483648',
      altitude_m: -20_000,
      speed_kmh: 1000,
      satellites: 1000,
    });
    expect(row.hdop).toBeCloseTo(429_496_729.5, -3);
  });

  it('moves existing positions into the new tables and back when the migration is undone and redone', async () => {
    const runner = (client: pg.PoolClient) =>
      ({
        query: (sql: string, params?: unknown[]) => client.query(sql, params).then((r) => r.rows),
      }) as unknown as QueryRunner;
    // Undone by itself: the migrations after it do not touch the positions.
    const Migration = MIGRATIONS.find((m) => m.name === 'PositionPacks1764100020000')!;
    const before = (await db.query('SELECT * FROM positions ORDER BY terminal_id, fix_time')).rows;
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      await new Migration().down(runner(client));
      await client.query('COMMIT');
      const wide = await client.query(`SELECT relkind FROM pg_class WHERE relname = 'positions'`);
      expect(wide.rows).toEqual([{ relkind: 'r' }]);
      expect((await client.query('SELECT * FROM positions ORDER BY terminal_id, fix_time')).rows).toEqual(before);
      await client.query('BEGIN');
      await new Migration().up(runner(client));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await db.query('SELECT * FROM positions ORDER BY terminal_id, fix_time')).rows).toEqual(before);
    expect(await pack()).toBe(3);
    expect((await db.query('SELECT * FROM positions ORDER BY terminal_id, fix_time')).rows).toEqual(before);
  });

  // Last: the other tests count every stored position.
  it('counts the arrivals since an instant as the detector reads them, on time and late, in rows and in packs', async () => {
    const vehicle = fleet[3].vehicleId;
    // On time: 08:00–08:59 (an hour the packer packs) and 11:50–11:59; late: fixes of 08:30–08:34 received at 11:55.
    await flush(fixes('P-4', H8, 60));
    await flush(fixes('P-4', NOW - 600_000, 10));
    await flush(
      fixes('P-4', H8 + 1_800_000, 5).map((p) => ({ ...p, fixTime: p.fixTime + 7_000, receivedAt: NOW - 300_000 })),
    );
    const sinces = [0, H8 + 1_800_000, NOW - 3_600_000, NOW - 480_000, NOW - 301_000, NOW - 299_000, NOW].map(
      (t) => new Date(t),
    );
    const compare = async () => {
      const read: number[] = [];
      const counted: number[] = [];
      for (const since of sinces) {
        read.push((await db.query(receivedSince('$1::uuid', '$2::timestamptz', 'NULL'), [vehicle, since])).rows.length);
        const [row] = (
          await db.query<{ n: string }>(`SELECT ${countReceivedSince('$1::uuid', '$2::timestamptz')} AS n`, [
            vehicle,
            since,
          ])
        ).rows;
        counted.push(Number(row.n));
      }
      return { read, counted };
    };
    const before = await compare();
    // Everything; since 08:30 (the later on-time fixes and the late ones); the last hour; 11:52 on; from just before
    // the late batch; just after it; nothing.
    expect(before.read).toEqual([300, 180, 60, 52, 40, 19, 0]);
    expect(before.counted).toEqual(before.read);
    expect(await pack()).toBeGreaterThan(0);
    expect(await compare()).toEqual(before);
  });
});

/** Until a session waits for an advisory lock (the racing flush is queued behind the packer). */
async function waitForWaiter(db: pg.Pool): Promise<void> {
  for (;;) {
    const { rowCount } = await db.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`);
    if (rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
