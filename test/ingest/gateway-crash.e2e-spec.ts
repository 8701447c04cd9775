import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor, waitForGateway } from './support/fleet.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';
import { positionStream, WindowedPublisher } from './support/publisher.js';

const N = 20_000;

describe('gateway killed with SIGKILL in the middle of a stream', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: ChildProcess | undefined;
  let publisher: WindowedPublisher | undefined;

  const startGateway = () => {
    const child = spawn(process.execPath, ['dist/apps/gateway/src/main.js'], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        MQTT_URL: broker.url,
        INGEST_CLIENT_ID: 'gw-crash-e2e',
        JT808_PORT: '0',
        LOG_LEVEL: process.env.GW_LOG_LEVEL ?? 'warn',
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', process.env.GW_LOG ? 'inherit' : 'ignore', 'inherit'],
    });
    return child;
  };

  beforeAll(async () => {
    broker = await startMosquitto(18843);
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
  });

  afterAll(async () => {
    gateway?.kill('SIGKILL');
    await publisher?.client.endAsync(true);
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  it('after a restart, every QoS 1 message published is stored exactly once', async () => {
    const terminals = Array.from({ length: 100 }, (_, i) => `K${i}`);
    await registerFleet(db, [...terminals, 'PROBE']);
    gateway = startGateway();
    publisher = await WindowedPublisher.connect(broker.url, { clientId: 'crash-publisher', clean: false });
    await waitForGateway(db, (topic, payload) => publisher!.client.publishAsync(topic, payload, { qos: 1 }), 'PROBE');
    await db.query(`DELETE FROM positions WHERE terminal_id = 'PROBE'`);

    const publishing = publisher.publishAll(positionStream(terminals, N), 500);
    const atKill = await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions'),
      (n) => n >= N / 5,
      60_000,
    );
    const killed = new Promise((resolve) => gateway!.once('exit', resolve));
    gateway.kill('SIGKILL');
    await killed;
    const afterKill = await count(db, 'SELECT count(*) AS n FROM positions');
    expect(atKill).toBeGreaterThanOrEqual(N / 5);
    expect(afterKill).toBeLessThan(N);

    await publishing;
    expect(publisher.acked).toBe(N);
    expect(await count(db, 'SELECT count(*) AS n FROM positions')).toBeLessThan(N);
    gateway = startGateway();
    const stored = await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions'),
      (n) => n >= N,
      90_000,
    );
    // Give redeliveries time to show up as extra rows, if the key ever let them in.
    await new Promise((r) => setTimeout(r, 1000));
    if (stored !== N) {
      const missing = await db.query(
        'SELECT s FROM generate_series(0, $1::int - 1) s EXCEPT SELECT seq FROM positions',
        [N],
      );
      process.stderr.write(`missing seq: ${JSON.stringify(missing.rows)} atKill=${atKill} afterKill=${afterKill}\n`);
    }
    expect(stored).toBe(N);
    expect(await count(db, 'SELECT count(*) AS n FROM positions')).toBe(N);
    expect(await count(db, 'SELECT count(DISTINCT seq) AS n FROM positions')).toBe(N);
    expect(await count(db, 'SELECT count(*) AS n FROM rejected_messages')).toBe(0);
  }, 180_000);
});
