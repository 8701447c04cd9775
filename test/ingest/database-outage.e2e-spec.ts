import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { IngestService } from '../../apps/gateway/src/ingest/ingest.service.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor, waitForGateway } from './support/fleet.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';
import { positionStream, WindowedPublisher } from './support/publisher.js';

const MAX_UNCOMMITTED = 500;
const BEFORE = 1000;
const DURING = 3000;
const OUTAGE_MS = 30_000;

describe('database unavailable for 30 s (with a broker restart in the middle)', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let proxy: TcpProxy;
  let db: pg.Pool;
  let gateway: INestApplicationContext;
  let publisher: WindowedPublisher | undefined;

  beforeAll(async () => {
    broker = await startMosquitto(18845, { persistence: true });
    database = await createTestDatabase();
    const target = new URL(database.url);
    proxy = await new TcpProxy(target.hostname, Number(target.port || 5432)).start();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    const config = testConfig(proxy.url(database.url), {
      MQTT_URL: broker.url,
      INGEST_CLIENT_ID: 'gw-db-outage',
      INGEST_MAX_UNCOMMITTED: String(MAX_UNCOMMITTED),
      INGEST_BATCH_SIZE: '200',
      // Reading is held during the outage, so MQTT.js cannot see PINGRESPs: it reconnects several times.
      MQTT_KEEPALIVE_SECONDS: '4',
      LOG_LEVEL: process.env.GW_LOG_LEVEL ?? 'silent',
    });
    gateway = await createGatewayContext(config, testInfrastructure(config));
  });

  afterAll(async () => {
    await publisher?.client.endAsync(true);
    await gateway?.close();
    await proxy?.stop();
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  it('loses nothing, acknowledges nothing unstored, and holds at most maxUncommitted in memory', async () => {
    const ingest = gateway.get(IngestService);
    const terminals = Array.from({ length: 40 }, (_, i) => `D${i}`);
    await registerFleet(db, [...terminals, 'PROBE']);
    publisher = await WindowedPublisher.connect(broker.url, { clientId: 'outage-publisher', clean: false });
    await waitForGateway(db, (topic, payload) => publisher!.client.publishAsync(topic, payload, { qos: 1 }), 'PROBE');
    await db.query(`DELETE FROM positions WHERE terminal_id = 'PROBE'`);

    let connects = 0;
    ingest.brokerClient!.on('connect', () => connects++);
    // Every PUBACK the gateway writes to the broker, as it leaves the client.
    let pubacks = 0;
    ingest.brokerClient!.on('packetsend', (packet) => {
      if (packet.cmd === 'puback') pubacks++;
    });
    const stream = positionStream(terminals, BEFORE + DURING);
    await publisher.publishAll(stream.slice(0, BEFORE));
    await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions'),
      (n) => n === BEFORE,
    );
    await waitFor(
      async () => ingest.metrics.uncommitted,
      (n) => n === 0,
    );

    proxy.cut();
    const acksAtCut = pubacks;
    const rowsAtCut = await count(db, 'SELECT count(*) AS n FROM positions');
    expect(rowsAtCut).toBe(BEFORE);
    const outageEnds = Date.now() + OUTAGE_MS;
    await publisher.publishAll(stream.slice(BEFORE));
    expect(publisher.acked).toBe(BEFORE + DURING);
    let highestDuring = 0;
    let brokerRestarted = false;
    while (Date.now() < outageEnds) {
      if (!brokerRestarted && Date.now() > outageEnds - OUTAGE_MS / 2) {
        // A reconnect while the gateway holds unwritten messages: it must forget the ones of the dead
        // connection (the broker sends them again), stay bounded and still acknowledge nothing.
        brokerRestarted = true;
        await broker.stop();
        await broker.restart();
        await waitFor(async () => ingest.brokerClient!.connected, Boolean, 10_000);
      }
      highestDuring = Math.max(highestDuring, ingest.metrics.uncommitted);
      expect(pubacks).toBe(acksAtCut);
      expect(await count(db, 'SELECT count(*) AS n FROM positions')).toBe(BEFORE);
      await new Promise((r) => setTimeout(r, 500));
    }
    // The gateway read what it may hold and then left the rest with the broker.
    expect(highestDuring).toBeGreaterThan(MAX_UNCOMMITTED / 2);
    expect(highestDuring).toBeLessThanOrEqual(MAX_UNCOMMITTED);
    expect(ingest.paused).toBe(true);
    expect(ingest.metrics.flushFailures).toBeGreaterThan(0);
    expect(pubacks).toBe(acksAtCut);
    expect(connects).toBe(1);

    proxy.restore();
    const stored = await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions'),
      (n) => n >= BEFORE + DURING,
      60_000,
    );
    if (stored !== BEFORE + DURING) {
      const state = {
        ...ingest.metrics.snapshot(),
        paused: ingest.paused,
        connected: ingest.brokerClient?.connected,
        pubacks,
      };
      process.stderr.write(`${JSON.stringify(state)}\n`);
    }
    expect(stored).toBe(BEFORE + DURING);
    await waitFor(
      async () => ingest.metrics.uncommitted,
      (n) => n === 0,
    );
    expect(pubacks - acksAtCut).toBeGreaterThanOrEqual(DURING);
    expect(ingest.metrics.uncommittedHighWater).toBeLessThanOrEqual(MAX_UNCOMMITTED);
    expect(await count(db, 'SELECT count(DISTINCT seq) AS n FROM positions')).toBe(BEFORE + DURING);
  }, 150_000);
});
