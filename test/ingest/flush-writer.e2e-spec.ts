import pg from 'pg';
import { decodePositionMessage } from '#app/telemetry';
import {
  foldLive,
  upsertLive,
  writeFlush,
  type LiveStates,
  type PendingMessage,
} from '../../apps/gateway/src/ingest/flush-writer.js';
import { TerminalDirectory } from '../../apps/gateway/src/ingest/terminal-directory.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor } from './support/fleet.js';

const RECEIVED = Date.parse('2026-11-20T02:00:00Z');
/** The gateway's clock is RECEIVED: fixes older than 90 minutes may be in a packed hour. */
const PACKED_BEFORE = RECEIVED - 90 * 60_000;

function message(terminalId: string, body: unknown, kind = 'position', receivedAt = RECEIVED): PendingMessage {
  const topic = `telematics/v1/${terminalId}/${kind}`;
  const payload = Buffer.from(JSON.stringify(body));
  return {
    topic,
    payload,
    receivedAt,
    decoded: decodePositionMessage(topic, payload, receivedAt),
    ack: () => true,
    alive: () => true,
  };
}

const fix = (i: number) => ({ fixTime: RECEIVED - 60_000 + i * 1000, lat: 33.96, lon: 118.33 });

describe('a flush of positions, with and without a transaction block', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let client: pg.PoolClient;
  const statements: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await registerFleet(pool, ['F-1']);
    client = await pool.connect();
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      if (typeof args[0] === 'string') statements.push(args[0]);
      return query(...args);
    };
  });

  afterAll(async () => {
    client?.release();
    await pool?.end();
    await database?.drop();
  });

  beforeEach(() => (statements.length = 0));

  const stored = () => count(pool, `SELECT count(*) AS n FROM positions WHERE terminal_id = 'F-1'`);
  const flush = (messages: PendingMessage[], writeLive: boolean) =>
    writeFlush(client, new TerminalDirectory(), messages, writeLive, false, PACKED_BEFORE);

  it('writes positions alone as one COPY, without BEGIN or COMMIT', async () => {
    const outcome = await flush(
      [message('F-1', fix(1)), message('F-1', { positions: [fix(2), fix(3)] }, 'positions')],
      false,
    );
    expect(outcome).toMatchObject({ inserted: 3, duplicates: 0, liveWritten: false });
    expect(statements.filter((s) => /^(BEGIN|COMMIT)$/.test(s))).toEqual([]);
    expect(await stored()).toBe(3);
  });

  it('absorbs a repeated position of a flush without a transaction block and stores the rest', async () => {
    const outcome = await flush([message('F-1', fix(3)), message('F-1', fix(4))], false);
    expect(outcome).toMatchObject({ inserted: 1, duplicates: 1 });
    expect(statements).toContain('BEGIN');
    expect(statements).toContain('COMMIT');
    expect(await stored()).toBe(4);
  });

  it('writes positions, a rejection and the live state in one transaction, a repeated position absorbed', async () => {
    const outcome = await flush(
      [message('F-1', fix(4)), message('F-1', fix(5)), message('F-1', { fixTime: 'yesterday', lat: 1, lon: 2 })],
      true,
    );
    expect(outcome).toMatchObject({ inserted: 1, duplicates: 1, liveWritten: true });
    expect(outcome.rejectedByReason).toEqual({ SCHEMA: 1 });
    const written = statements.filter((s) => !s.includes('FROM terminals'));
    expect(written[0]).toBe('BEGIN');
    expect(written.at(-1)).toBe('COMMIT');
    expect(await stored()).toBe(5);
    expect(await count(pool, `SELECT count(*) AS n FROM rejected_messages WHERE terminal_id = 'F-1'`)).toBe(1);
    const { rows } = await pool.query(`SELECT fix_time FROM vehicle_live WHERE terminal_id = 'F-1'`);
    expect(rows[0].fix_time.getTime()).toBe(fix(5).fixTime);
  });

  it('stores nothing of a flush whose COPY the database refuses', async () => {
    const bad = message('F-1', fix(6));
    // Validation keeps this from happening; a value its column cannot hold stands in for any refusal.
    (bad.decoded.positions[0] as { satellites: number }).satellites = 1e9;
    await expect(flush([message('F-1', fix(7)), bad], false)).rejects.toThrow();
    expect(await stored()).toBe(5);
  });
});

describe('the live state carried between flushes', () => {
  const car = { active: true, vehicleId: 'car-1' };
  const at = (m: PendingMessage, terminal = car) => Object.assign(m, { terminal });

  it('keeps the newest fix, and when the link state last changed, in message order', () => {
    const live: LiveStates = new Map();
    foldLive(live, [
      at(message('F-1', fix(5), 'position', RECEIVED)),
      at(message('F-1', fix(3), 'position', RECEIVED + 1000)),
      at(message('F-1', { online: false }, 'status', RECEIVED + 2000)),
    ]);
    expect(live.get('F-1')).toMatchObject({ vehicleId: 'car-1', online: false, at: RECEIVED + 2000 });
    expect(live.get('F-1')!.newest!.fixTime).toBe(fix(5).fixTime);
    foldLive(live, [
      at(message('F-1', fix(6), 'position', RECEIVED + 3000)),
      at(message('F-1', fix(7), 'position', RECEIVED + 4000)),
    ]);
    expect(live.get('F-1')).toMatchObject({ online: true, at: RECEIVED + 3000 });
    expect(live.get('F-1')!.newest!.fixTime).toBe(fix(7).fixTime);
  });

  it('leaves out messages of terminals the flush did not accept', () => {
    const live: LiveStates = new Map();
    foldLive(live, [message('F-9', fix(1))]);
    expect(live.size).toBe(0);
  });
});

describe('flushes of two gateways on one database', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
    await registerFleet(pool, ['G-1', 'G-2', 'G-3']);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  /** One gateway's flush (of a share group) on a connection of its own, with its own directory and live state. */
  const gatewayFlush = async (messages: PendingMessage[], writeLive: boolean) => {
    const client = await pool.connect();
    try {
      return await writeFlush(client, new TerminalDirectory(), messages, writeLive, true, PACKED_BEFORE);
    } finally {
      client.release();
    }
  };

  it('store the positions both hold exactly once, whatever order each holds them in, without a deadlock', async () => {
    // 2,000 fixes; the second gateway holds the same (a terminal's resend) in the opposite order.
    const fixes = Array.from({ length: 2000 }, (_, i) => ({
      fixTime: RECEIVED - 3_600_000 + i * 100,
      lat: 33,
      lon: 118,
    }));
    const forward = [0, 1].map((b) =>
      message('G-1', { positions: fixes.slice(b * 1000, b * 1000 + 1000) }, 'positions'),
    );
    const backward = [1, 0].map((b) =>
      message('G-1', { positions: fixes.slice(b * 1000, b * 1000 + 1000).reverse() }, 'positions'),
    );
    // A third writer holds the middle fix, so both flushes are surely in the middle of their rows at once when
    // it lets go: written in message order, each would then need a row the other holds.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(`INSERT INTO positions (terminal_id, fix_time, lat, lon) VALUES ('G-1', $1, 0, 0)`, [
      new Date(fixes[1000].fixTime),
    ]);
    const flushes = Promise.allSettled([gatewayFlush(forward, false), gatewayFlush(backward, false)]);
    const waiting = await waitFor(
      () =>
        count(pool, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`, [
          database.name,
        ]),
      (n) => n === 2,
    );
    expect(waiting).toBe(2);
    await blocker.query('ROLLBACK');
    await blocker.end();
    const outcomes = await flushes;
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
    expect(refused).toEqual([]);
    const inserted = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.inserted : NaN));
    expect(inserted[0] + inserted[1]).toBe(2000);
    expect(await count(pool, `SELECT count(*) AS n FROM positions WHERE terminal_id = 'G-1'`)).toBe(2000);
  });

  it('keep the link state of the message heard last, whichever gateway writes it last', async () => {
    const car = await pool.query<{ vehicle_id: string }>(
      `SELECT vehicle_id FROM terminal_bindings WHERE terminal_id = 'G-1'`,
    );
    const entry = { active: true, vehicleId: car.rows[0].vehicle_id };
    const live = (m: PendingMessage) => {
      const states: LiveStates = new Map();
      foldLive(states, [Object.assign(m, { terminal: entry })]);
      return states;
    };
    const write = async (states: LiveStates) => {
      const client = await pool.connect();
      try {
        await upsertLive(client, states);
      } finally {
        client.release();
      }
    };
    const state = async () =>
      (
        await pool.query<{ online: boolean; online_changed_at: Date; heard_at: Date; fix_time: Date }>(
          `SELECT online, online_changed_at, heard_at, fix_time FROM vehicle_live WHERE terminal_id = 'G-1'`,
        )
      ).rows[0];
    // The terminal sends a fix (taken by gateway A), then goes away: its will (offline) is taken by gateway B,
    // which stores it first; A writes its carried state, with the older fix, after.
    const at = (ms: number) => ({ fixTime: RECEIVED + ms, lat: 33.96, lon: 118.33 });
    const a = live(message('G-1', at(9_000), 'position', RECEIVED + 10_000));
    const b = live(message('G-1', { online: false }, 'status', RECEIVED + 10_500));
    await write(b);
    await write(a);
    expect(await state()).toMatchObject({
      online: false,
      online_changed_at: new Date(RECEIVED + 10_500),
      heard_at: new Date(RECEIVED + 10_500),
      fix_time: new Date(RECEIVED + 9_000),
    });
    // It comes back: the newer message wins whichever is written last.
    const c = live(message('G-1', at(19_000), 'position', RECEIVED + 20_000));
    const d = live(message('G-1', { online: false }, 'status', RECEIVED + 15_000));
    await write(c);
    await write(d);
    expect(await state()).toMatchObject({
      online: true,
      online_changed_at: new Date(RECEIVED + 20_000),
      heard_at: new Date(RECEIVED + 20_000),
      fix_time: new Date(RECEIVED + 19_000),
    });
  });
});
