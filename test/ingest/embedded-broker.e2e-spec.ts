import type { INestApplicationContext } from '@nestjs/common';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { acquireInfrastructure, type Infrastructure } from '#app/infra';
import { rootLogger } from '#app/logging';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { testConfig } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor, waitForGateway } from './support/fleet.js';

const PORT = 18848;

describe('embedded broker: terminal sign-in and topic rights', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let infra: Infrastructure;
  let gateway: INestApplicationContext;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    await registerFleet(db, ['E-1', 'E-2']);
    await registerFleet(db, ['E-OFF'], { inactive: true });
    const config = testConfig(database.url, {
      MQTT_URL: '',
      EMBEDDED_MQTT_PORT: String(PORT),
      INGEST_CLIENT_ID: 'gw-embedded',
    });
    infra = await acquireInfrastructure(config, rootLogger('silent'));
    gateway = await createGatewayContext(config, infra);
    // The gateway subscribes once connected; wait for it with positions of E-2 (not looked at below).
    const probe = await mqtt.connectAsync(`mqtt://127.0.0.1:${PORT}`, {
      clientId: 'E-2',
      username: 'E-2',
      password: 'secret-E-2',
    });
    await waitForGateway(db, (topic, payload) => probe.publishAsync(topic, payload, { qos: 1 }), 'E-2');
    await probe.endAsync();
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    await gateway?.close();
    await infra?.stop();
    await db?.end();
    await database?.drop();
  });

  const url = `mqtt://127.0.0.1:${PORT}`;
  const connectAs = async (clientId: string, username: string, password: string) => {
    const client = await mqtt.connectAsync(url, {
      clientId,
      username,
      password,
      reconnectPeriod: 0,
      connectTimeout: 3000,
    });
    clients.push(client);
    return client;
  };
  const position = (fixTime: number) => JSON.stringify({ fixTime, lat: 22.5, lon: 114 });

  it('lets a registered terminal in with its id and secret and stores what it sends', async () => {
    const terminal = await connectAs('E-1', 'E-1', 'secret-E-1');
    const fixTime = Date.now() - 1000;
    await terminal.publishAsync('telematics/v1/E-1/position', position(fixTime), { qos: 1 });
    const stored = await waitFor(
      () => count(db, `SELECT count(*) AS n FROM positions WHERE terminal_id = 'E-1'`),
      (n) => n === 1,
    );
    expect(stored).toBe(1);
  });

  it.each([
    ['a wrong secret', 'E-1', 'E-1', 'secret-E-2'],
    ['no password', 'E-1', 'E-1', ''],
    ['a client id other than its terminal id', 'E-2x', 'E-2', 'secret-E-2'],
    ['a deactivated terminal', 'E-OFF', 'E-OFF', 'secret-E-OFF'],
    ['an unregistered terminal', 'E-9', 'E-9', 'secret-E-9'],
  ])('refuses sign-in with %s', async (_case, clientId, username, password) => {
    await expect(connectAs(clientId, username, password)).rejects.toThrow(
      /Bad username or password|Not authorized|bad user/i,
    );
  });

  it('never lets a terminal publish under another terminal’s id', async () => {
    const intruder = await connectAs('E-2', 'E-2', 'secret-E-2');
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish('telematics/v1/E-1/position', position(Date.now() - 500), { qos: 1 });
    await closed;
    // The victim's own next position goes through; the forged one never does.
    const victim = await connectAs('E-1', 'E-1', 'secret-E-1');
    const genuine = Date.now() - 100;
    await victim.publishAsync('telematics/v1/E-1/position', position(genuine), { qos: 1 });
    const rows = await waitFor(
      () => db.query(`SELECT fix_time FROM positions WHERE terminal_id = 'E-1' ORDER BY fix_time`).then((r) => r.rows),
      (r) => r.length === 2,
    );
    expect(rows).toHaveLength(2);
    expect(rows[1].fix_time.getTime()).toBe(genuine);
  });

  it('does not let a terminal subscribe to another terminal’s data', async () => {
    const terminal = await connectAs('E-2', 'E-2', 'secret-E-2');
    const granted = await terminal.subscribeAsync('telematics/v1/E-1/position', { qos: 1 }).catch(() => [{ qos: 128 }]);
    expect(granted[0].qos).toBe(128);
  });
});
