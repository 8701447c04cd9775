import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { IngestService } from '../../apps/gateway/src/ingest/ingest.service.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor, waitForGateway } from './support/fleet.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';
import { positionStream, WindowedPublisher } from './support/publisher.js';

const N = 8000;

describe('broker restart in the middle of a stream', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: INestApplicationContext;
  let publisher: WindowedPublisher | undefined;

  beforeAll(async () => {
    broker = await startMosquitto(18844, { persistence: true });
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    const config = testConfig(database.url, { MQTT_URL: broker.url, INGEST_CLIENT_ID: 'gw-broker-restart' });
    gateway = await createGatewayContext(config, testInfrastructure(config));
  });

  afterAll(async () => {
    await publisher?.client.endAsync(true);
    await gateway?.close();
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  it('the gateway reconnects and resubscribes by itself, and nothing is lost', async () => {
    const ingest = gateway.get(IngestService);
    const terminals = Array.from({ length: 50 }, (_, i) => `B${i}`);
    await registerFleet(db, [...terminals, 'PROBE']);
    publisher = await WindowedPublisher.connect(broker.url, { clientId: 'restart-publisher', clean: false });
    await waitForGateway(db, (topic, payload) => publisher!.client.publishAsync(topic, payload, { qos: 1 }), 'PROBE');
    await db.query(`DELETE FROM positions WHERE terminal_id = 'PROBE'`);
    let connects = 0;
    ingest.brokerClient!.on('connect', () => connects++);

    // Paced, so the restart lands in the middle of the stream.
    const publishing = publisher.publishAll(positionStream(terminals, N), 200, 2000);
    await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions'),
      (n) => n >= N / 4,
    );
    await broker.stop();
    const duringOutage = await count(db, 'SELECT count(*) AS n FROM positions');
    expect(duringOutage).toBeLessThan(N);
    await new Promise((r) => setTimeout(r, 1500));
    await broker.restart();
    await publishing;

    const stored = await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions'),
      (n) => n >= N,
      60_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(stored).toBe(N);
    expect(await count(db, 'SELECT count(*) AS n FROM positions')).toBe(N);
    expect(await count(db, 'SELECT count(DISTINCT seq) AS n FROM positions')).toBe(N);
    expect(connects).toBeGreaterThanOrEqual(1);
    expect(ingest.metrics.uncommitted).toBe(0);
  }, 120_000);
});
