import { jest } from '@jest/globals';
import pg from 'pg';
import { count, registerFleet, waitFor } from '../ingest/support/fleet.js';
import { startMosquitto, type Mosquitto } from '../ingest/support/mosquitto.js';
import { positionStream, WindowedPublisher } from '../ingest/support/publisher.js';
import { errorLines, freePort, startService, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

jest.setTimeout(240_000);

const GROUP = 'gateways';

/**
 * Two gateway processes on one MQTT 5 shared subscription of a real Mosquitto (persistent, the deployment's
 * limits) and the real PostgreSQL. Mosquitto gives each message to the next member in turn — also to a member
 * that is away, whose persistent session keeps it — so a killed gateway's share waits for it to come back under
 * the same client id (or for `gateway:retire` to take it over).
 */
describe('two gateways sharing the terminal topics', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let db: pg.Pool;
  let publisher: WindowedPublisher | undefined;
  const running = new Set<ServiceProcess>();

  const gatewayEnv = (clientId: string) => ({
    DATABASE_URL: database.url,
    MQTT_URL: broker.url,
    INGEST_CLIENT_ID: clientId,
    INGEST_SHARE_GROUP: GROUP,
    JT808_PORT: '0',
    LOG_LEVEL: 'info',
    INGEST_METRICS_LOG_MS: '500',
    NODE_OPTIONS: '',
  });

  /** A gateway as `npm run start:gateway` runs it, once its shared subscription is in place. */
  async function startGateway(clientId: string): Promise<ServiceProcess> {
    const gateway = startService('dist/apps/gateway/src/main.js', [], gatewayEnv(clientId));
    running.add(gateway);
    void gateway.exited.then(() => running.delete(gateway));
    await gateway.waitFor(/"msg":"ingest subscribed"/, 60_000);
    return gateway;
  }

  async function kill(gateway: ServiceProcess): Promise<void> {
    process.kill(gateway.child.pid!, 'SIGKILL');
    expect((await gateway.exited).signal).toBe('SIGKILL');
  }

  const stored = (prefix: string) =>
    count(db, `SELECT count(*) AS n FROM positions WHERE terminal_id LIKE $1`, [`${prefix}%`]);

  /** Every position of the stream stored once: as many rows as messages, each sequence number once, none missing. */
  async function expectExactlyOnce(prefix: string, n: number): Promise<void> {
    expect(await stored(prefix)).toBe(n);
    expect(
      await count(db, `SELECT count(DISTINCT seq) AS n FROM positions WHERE terminal_id LIKE $1`, [`${prefix}%`]),
    ).toBe(n);
    const missing = await count(
      db,
      `SELECT count(*) AS n FROM generate_series(0, $1::int - 1) s
       WHERE NOT EXISTS (SELECT 1 FROM positions WHERE terminal_id LIKE $2 AND seq = s)`,
      [n, `${prefix}%`],
    );
    expect(missing).toBe(0);
  }

  /** The stream with every tenth message published twice: the copy goes to the other member. */
  function withResends(messages: ReturnType<typeof positionStream>) {
    return messages.flatMap((m, i) => (i % 10 === 0 ? [m, m] : [m]));
  }

  /** The "accepted" count of the last metrics line a gateway logged. */
  function accepted(gateway: ServiceProcess): number {
    const lines = gateway
      .output()
      .split('\n')
      .filter((l) => l.includes('"msg":"ingest metrics"'));
    return lines.length === 0 ? 0 : (JSON.parse(lines.at(-1)!) as { accepted: number }).accepted;
  }

  beforeAll(async () => {
    broker = await startMosquitto(await freePort(), { persistence: true });
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    publisher = await WindowedPublisher.connect(broker.url, { clientId: 'two-gateways-publisher', clean: false });
  });

  afterAll(async () => {
    for (const gateway of running) {
      if (gateway.child.exitCode === null && gateway.child.signalCode === null)
        process.kill(gateway.child.pid!, 'SIGKILL');
      await gateway.exited;
    }
    await publisher?.client.endAsync(true);
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  let a: ServiceProcess;
  let b: ServiceProcess;

  it('one killed with SIGKILL mid-stream and restarted: every acknowledged position stored exactly once', async () => {
    const N = 20_000;
    const terminals = Array.from({ length: 200 }, (_, i) => `S${i}`);
    await registerFleet(db, terminals);
    a = await startGateway('gw-a');
    b = await startGateway('gw-b');

    const messages = withResends(positionStream(terminals, N));
    const publishing = publisher!.publishAll(messages, 500, 4_000);
    const atKill = await waitFor(
      () => stored('S'),
      (n) => n >= N / 4,
      60_000,
    );
    const sentAtKill = publisher!.sent;
    await kill(a);
    const afterKill = await stored('S');
    expect(atKill).toBeGreaterThanOrEqual(N / 4);
    expect(sentAtKill).toBeLessThan(messages.length);

    // The other member goes on storing its share while the first is down…
    expect(
      await waitFor(
        () => stored('S'),
        (n) => n >= afterKill + 1_000,
        60_000,
      ),
    ).toBeGreaterThanOrEqual(afterKill + 1_000);
    await publishing;
    expect(publisher!.acked).toBe(publisher!.sent);
    // …while the killed member's share (what it held uncommitted, and every other message since) waits in its
    // session at the broker: nobody else receives it.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await stored('S')).toBeLessThan(N);

    a = await startGateway('gw-a');
    await waitFor(
      () => stored('S'),
      (n) => n >= N,
      90_000,
    );
    // Give redeliveries time to show up as extra rows, if the key ever let them in.
    await new Promise((r) => setTimeout(r, 1_500));
    await expectExactlyOnce('S', N);
    expect(await count(db, 'SELECT count(*) AS n FROM rejected_messages')).toBe(0);

    // Both took part, and the map shows every car's newest fix though two gateways wrote its live row.
    expect(accepted(a)).toBeGreaterThan(0);
    expect(accepted(b)).toBeGreaterThan(0);
    const newest = await waitFor(
      () =>
        count(
          db,
          `SELECT count(*) AS n FROM vehicle_live l
           JOIN (SELECT terminal_id, max(fix_time) AS t FROM positions GROUP BY terminal_id) p USING (terminal_id)
           WHERE l.terminal_id LIKE 'S%' AND l.fix_time = p.t AND l.online`,
        ),
      (n) => n === terminals.length,
    );
    expect(newest).toBe(terminals.length);
    expect(errorLines(a.output())).toEqual([]);
    expect(errorLines(b.output())).toEqual([]);
  });

  it('one killed and then retired: the other takes over its held share and everything after', async () => {
    const N = 10_000;
    const terminals = Array.from({ length: 100 }, (_, i) => `R${i}`);
    await registerFleet(db, terminals);
    const messages = withResends(positionStream(terminals, N));
    const first = messages.slice(0, (messages.length * 3) / 4);
    const last = messages.slice(first.length);

    const sentBefore = publisher!.sent;
    const publishing = publisher!.publishAll(first, 500, 4_000);
    await waitFor(
      () => stored('R'),
      (n) => n >= N / 5,
      60_000,
    );
    const sentAtKill = publisher!.sent;
    await kill(a);
    expect(sentAtKill).toBeLessThan(sentBefore + first.length);
    await publishing;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await stored('R')).toBeLessThan((N * 3) / 4);

    // The operator removes gateway gw-a for good: its session is taken over, emptied and ended.
    const retiring = startService('dist/apps/gateway/src/retire.js', [], gatewayEnv('gw-a'));
    running.add(retiring);
    await retiring.waitFor(/gateway gw-a retired: \d+ messages/, 120_000);
    expect(await retiring.exited).toEqual({ code: 0, signal: null });
    expect(errorLines(retiring.output())).toEqual([]);

    // Only gw-b is left in the group and nothing comes back as gw-a: it must receive every new message.
    await publisher!.publishAll(last, 500, 4_000);
    expect(publisher!.acked).toBe(publisher!.sent);
    await waitFor(
      () => stored('R'),
      (n) => n >= N,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    await expectExactlyOnce('R', N);
    expect(errorLines(b.output())).toEqual([]);
  });
});
