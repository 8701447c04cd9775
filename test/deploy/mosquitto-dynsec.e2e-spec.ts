import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { hashPassword } from '#app/crypto';
import { count, waitFor } from '../ingest/support/fleet.js';
import { freePort, startService, type ServiceProcess } from '../support/service-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startOversightMosquitto, type OversightMosquitto } from './support/oversight-mosquitto.js';
import { checkedJsonCall } from '../support/openapi-check.js';

jest.setTimeout(180_000);

const ADMIN = { username: 'oversight-admin', password: 'dynsec-admin-password-1' };
const SERVICE = { username: 'oversight-gateway', password: 'gateway-password-1' };
const CENTRE_PASSWORD = 'centre-password-for-tests';

/**
 * The first deployment on an external Mosquitto, in the documented order: the broker with the shipped
 * configuration and an initialised dynamic-security file, then the service (which creates its own broker
 * account), then terminals registered through the API.
 */
describe('an external Mosquitto whose accounts follow the registry', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let broker: OversightMosquitto;
  let service: ServiceProcess;
  let base: string;
  let token: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    broker = await startOversightMosquitto(await freePort(), ADMIN);
    const port = await freePort();
    service = startService('dist/apps/main.js', [], {
      DATABASE_URL: database.url,
      MQTT_URL: broker.url,
      MQTT_USERNAME: SERVICE.username,
      MQTT_PASSWORD: SERVICE.password,
      MQTT_DYNSEC_USERNAME: ADMIN.username,
      MQTT_DYNSEC_PASSWORD: ADMIN.password,
      INGEST_CLIENT_ID: `gateway-${port}`,
      PORT: String(port),
      // Not the default 6808: another service on the machine may hold it.
      JT808_PORT: '0',
      ADMIN_PASSWORD: 'admin-password-for-tests',
      LOG_LEVEL: 'warn',
    });
    await service.waitFor(/^dashboard: /m);
    base = `http://127.0.0.1:${port}`;
    await db.query(
      `INSERT INTO users (username, password_hash, roles, must_change_password) VALUES ('centre.test', $1, '{centre}', false)`,
      [await hashPassword(CENTRE_PASSWORD)],
    );
    const signIn = await api('POST', '/api/v1/auth/token', { username: 'centre.test', password: CENTRE_PASSWORD });
    token = signIn.body.accessToken as string;
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true).catch(() => undefined);
    if (service) {
      process.kill(-service.child.pid!, 'SIGTERM');
      await service.exited;
    }
    await broker?.destroy();
    await db?.end();
    await database?.drop();
  });

  // Every answer is checked against the API document the service itself publishes.
  const api = (method: string, path: string, body?: unknown) => checkedJsonCall(base, method, path, body, token);

  /** Registers a terminal through the API and puts it in a car, as the centre does. */
  async function register(terminalId: string): Promise<string> {
    const res = await api('POST', '/api/v1/terminals', { terminalId });
    expect(res.status).toBe(201);
    const { rows } = await db.query<{ id: string }>(
      `WITH u AS (INSERT INTO units (name, vehicle_quota) VALUES ($1, 10) RETURNING id)
       INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id) SELECT $1, $1, 'general', id FROM u
       RETURNING id`,
      [`苏N${terminalId}`],
    );
    await db.query(
      `INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from) VALUES ($1, $2, CURRENT_DATE - 1)`,
      [rows[0].id, terminalId],
    );
    return res.body.secret as string;
  }

  async function connectAs(terminalId: string, secret: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
    const client = await mqtt.connectAsync(broker.url, {
      clientId: terminalId,
      username: terminalId,
      password: secret,
      protocolVersion,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
    });
    clients.push(client);
    return client;
  }

  const stored = (terminalId: string) =>
    count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1', [terminalId]);
  const fix = (i: number) => JSON.stringify({ fixTime: Date.now() - 60_000 + i, lat: 32.05 + i / 1e5, lon: 118.78 });

  it('gives the service its own account, and refuses a terminal the registry does not know', async () => {
    const accounts = JSON.parse(readFileSync(`${broker.stateDir}/dynamic-security.json`, 'utf8')) as {
      clients: { username: string }[];
    };
    expect(accounts.clients.map((c) => c.username)).toContain(SERVICE.username);
    await expect(connectAs('NOT-REGISTERED', 'whatever-secret')).rejects.toThrow(/not authori|Bad user name|refused/i);
  });

  it('stores every position a terminal registered a moment ago was told is safe', async () => {
    const secret = await register('DYN-1');
    // At once: no file to regenerate, no broker to signal.
    const terminal = await connectAs('DYN-1', secret);
    for (let i = 0; i < 50; i++) await terminal.publishAsync('telematics/v1/DYN-1/position', fix(i), { qos: 1 });
    expect(
      await waitFor(
        () => stored('DYN-1'),
        (n) => n >= 50,
      ),
    ).toBe(50);
  });

  it('lets the service’s account read the terminal topics through a shared subscription, as a group of gateways does', async () => {
    const member = await mqtt.connectAsync(broker.url, {
      ...SERVICE,
      clientId: 'gateway-share-member',
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    clients.push(member);
    const granted = await member.subscribeAsync('$share/gateways/telematics/v1/+/position', { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    const received = new Promise<string>((done) => member.once('message', (topic) => done(topic)));
    const terminal = await connectAs('DYN-S', await register('DYN-S'));
    await terminal.publishAsync('telematics/v1/DYN-S/position', fix(1), { qos: 1 });
    expect(await received).toBe('telematics/v1/DYN-S/position');
  });

  it('refuses a publish under another terminal’s topic', async () => {
    const other = await register('DYN-2');
    const terminal = await connectAs('DYN-1', (await api('POST', '/api/v1/terminals/DYN-1/secret')).body.secret, 5);
    const forged = await terminal
      .publishAsync('telematics/v1/DYN-2/position', fix(1), { qos: 1 })
      .then(() => 'accepted')
      .catch((error: unknown) => String(error));
    expect(forged).toMatch(/135|not authori/i);
    // DYN-2's own publish goes through; the forged one never reached the service.
    const own = await connectAs('DYN-2', other);
    await own.publishAsync('telematics/v1/DYN-2/position', fix(2), { qos: 1 });
    expect(
      await waitFor(
        () => stored('DYN-2'),
        (n) => n >= 1,
      ),
    ).toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await stored('DYN-2')).toBe(1);
  });

  it('disconnects and refuses a deactivated terminal, and takes it back when reactivated', async () => {
    const secret = (await api('POST', '/api/v1/terminals/DYN-1/secret')).body.secret as string;
    const terminal = await connectAs('DYN-1', secret);
    const closed = new Promise<void>((done) => terminal.once('close', () => done()));
    expect((await api('PATCH', '/api/v1/terminals/DYN-1', { active: false })).status).toBe(200);
    await closed;
    await expect(connectAs('DYN-1', secret)).rejects.toThrow();
    expect((await api('PATCH', '/api/v1/terminals/DYN-1', { active: true })).status).toBe(200);
    await connectAs('DYN-1', secret);
  });

  it('makes an old secret useless the moment a new one is issued', async () => {
    const old = (await api('POST', '/api/v1/terminals/DYN-2/secret')).body.secret as string;
    const fresh = await api('POST', '/api/v1/terminals/DYN-2/secret');
    expect(fresh.status).toBe(201);
    await expect(connectAs('DYN-2', old)).rejects.toThrow();
    await connectAs('DYN-2', fresh.body.secret as string);
    const history = await db.query(
      `SELECT action FROM history WHERE entity_type = 'terminal' AND entity_id = 'DYN-2' ORDER BY seq`,
    );
    expect(history.rows.map((r: { action: string }) => r.action)).toEqual([
      'registered',
      'secret-rotated',
      'secret-rotated',
    ]);
  });
});
