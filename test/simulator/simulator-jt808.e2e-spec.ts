import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import { localDate, zonedTime } from '#app/calendar';
import { loadDemoFleet } from '#app/demo-fleet';
import { rootLogger } from '#app/logging';
import {
  demoCars,
  jt808Edition,
  scenarioMessages,
  sendAsJt808Terminal,
  startJt808Simulator,
  type RunningSimulator,
  type SimMessage,
} from '#app/simulator';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { freePort } from '../support/service-process.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, waitFor } from '../ingest/support/fleet.js';

describe('the simulator over JT/T 808', () => {
  const cars = demoCars(12);
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: INestApplicationContext;
  let port: number;
  let simulator: RunningSimulator | undefined;
  const yesterday = localDate(Date.now() - 86_400_000);
  const positionsOf = (terminalId: string) =>
    db
      .query('SELECT * FROM positions WHERE terminal_id = $1 ORDER BY fix_time', [terminalId])
      .then((r) => r.rows as Record<string, unknown>[]);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    await loadDemoFleet(db);
    port = await freePort();
    const config = testConfig(database.url, {
      JT808_PORT: String(port),
      JT808_HOST: '127.0.0.1',
      INGEST_CLIENT_ID: `gw-sim-jt808-${port}`,
    });
    gateway = await createGatewayContext(config, testInfrastructure(config));
  });

  afterAll(async () => {
    await simulator?.stop();
    await gateway?.close();
    await db?.end();
    await database?.drop();
  });

  it('drives demo cars of both editions: each registers, authenticates and its fixes are stored', async () => {
    const fleet = cars.slice(0, 4);
    expect(new Set(fleet.map((c) => jt808Edition(c.terminalId)))).toEqual(new Set([2013, 2019]));
    simulator = await startJt808Simulator({
      host: '127.0.0.1',
      port,
      cars: fleet,
      intervalSeconds: 5,
      speedup: 10,
      start: new Date(Date.now() - 120_000),
      log: rootLogger('silent'),
    });
    const stored = await waitFor(
      () =>
        Promise.all(
          fleet.map((c) => count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1', [c.terminalId])),
        ),
      (counts) => counts.every((n) => n >= 3),
      30_000,
    );
    expect(stored.every((n) => n >= 3)).toBe(true);
    expect(simulator.stats()).toMatchObject({ connected: 4, failed: 0 });
    await simulator.stop();
    simulator = undefined;
  }, 60_000);

  it('stages the antenna-cut misuse: alarm bit 5 and no fix stored from 10:05 to 10:25, as over MQTT', async () => {
    const car = cars[5];
    const { messages, shape } = scenarioMessages({
      car,
      kind: 'antenna-cut',
      day: yesterday,
      from: zonedTime(yesterday, '09:55'),
      to: zonedTime(yesterday, '10:40'),
    });
    const results = await sendAsJt808Terminal('127.0.0.1', port, car.terminalId, messages);
    expect(results.every((r) => r === 0)).toBe(true);
    const rows = await positionsOf(car.terminalId);
    expect(rows.length).toBe(messages.filter((m) => m.kind === 'position').length);
    const cut = rows.filter((r) => (Number(r.alarm_flags) & 0x20) !== 0);
    expect(cut.length).toBeGreaterThan(30);
    for (const r of cut) {
      expect(r.valid).toBe(false);
      expect((r.fix_time as Date).getTime()).toBeGreaterThanOrEqual(shape.alarmFrom!.getTime());
      expect((r.fix_time as Date).getTime()).toBeLessThan(shape.alarmTo!.getTime());
    }
  });

  it('stages the malformed misuse: each bad message recorded with its JT/T 808 reason, the good fixes stored', async () => {
    const car = cars[6];
    const { messages } = scenarioMessages({
      car,
      kind: 'malformed',
      day: yesterday,
      from: zonedTime(yesterday, '00:00'),
      to: zonedTime(yesterday, '00:30'),
    });
    await sendAsJt808Terminal('127.0.0.1', port, car.terminalId, messages);
    const reasons = await waitFor(
      () =>
        db
          .query('SELECT DISTINCT reason FROM rejected_messages WHERE terminal_id = $1', [car.terminalId])
          .then((r) => r.rows.map((row: { reason: string }) => row.reason).sort()),
      (found) => found.length >= 5,
    );
    expect(reasons).toEqual(['CHECKSUM', 'FUTURE', 'NULL_ISLAND', 'OUT_OF_RANGE', 'SCHEMA']);
    expect((await positionsOf(car.terminalId)).length).toBe(
      messages.filter((m) => m.kind === 'position' && !m.malformed).length,
    );
  });

  it('uploads a long blind-area batch as sub-packets: every fix stored once, marked replay', async () => {
    const car = cars[7];
    const { messages } = scenarioMessages({
      car,
      kind: 'off-hours',
      day: yesterday,
      from: zonedTime(yesterday, '20:00'),
      to: zonedTime(yesterday, '20:30'),
    });
    const fixes = messages.flatMap((m) => m.fixes);
    expect(fixes.length).toBeGreaterThan(40);
    const batch: SimMessage = {
      topic: '',
      payload: Buffer.alloc(0),
      kind: 'positions',
      sentAt: fixes.at(-1)!.fixTime,
      fixes,
      replay: true,
    };
    const results = await sendAsJt808Terminal('127.0.0.1', port, car.terminalId, [batch, batch], { packetBytes: 256 });
    expect(results).toEqual([0, 0]);
    const rows = await positionsOf(car.terminalId);
    expect(rows).toHaveLength(fixes.length);
    expect(rows.every((r) => r.replay === true)).toBe(true);
  });
});
