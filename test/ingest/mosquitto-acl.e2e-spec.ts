import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import {
  buildMosquittoAcl,
  buildPasswordFile,
  mosquittoPasswordLine,
} from '../../apps/gateway/src/mosquitto-acl/mosquitto-acl.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { registerFleet, waitFor } from './support/fleet.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';

describe('Mosquitto sign-in and ACL files generated from the registry', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let broker: Mosquitto;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    await registerFleet(db, ['M-1', 'M-2']);
    await registerFleet(db, ['M-OFF'], { inactive: true });
    // Terminal lines as `mosquitto_passwd` adds them when a secret is issued; M-GONE is no longer registered.
    const issued = ['M-1', 'M-2', 'M-OFF', 'M-GONE'].map((id) => mosquittoPasswordLine(id, `secret-${id}`)).join('\n');
    const acl = await buildMosquittoAcl(db, 'svc');
    const passwd = await buildPasswordFile(db, { username: 'svc', password: 'svc-password' }, issued);
    broker = await startMosquitto(18846, {
      extra: (dir) => {
        writeFileSync(join(dir, 'acl'), acl);
        writeFileSync(join(dir, 'passwd'), passwd);
        return ['allow_anonymous false', `password_file ${join(dir, 'passwd')}`, `acl_file ${join(dir, 'acl')}`];
      },
    });
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    await broker?.destroy();
    await db?.end();
    await database?.drop();
  });

  const connectAs = async (username: string, password: string) => {
    const client = await mqtt.connectAsync(broker.url, {
      clientId: username,
      username,
      password,
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    clients.push(client);
    return client;
  };

  it('lets terminals publish only under their own topic, and the service read them', async () => {
    const seen: string[] = [];
    const service = await connectAs('svc', 'svc-password');
    service.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await service.subscribeAsync('telematics/v1/+/position', { qos: 1 });
    const m1 = await connectAs('M-1', 'secret-M-1');
    await m1.publishAsync('telematics/v1/M-1/position', 'own', { qos: 1 });
    const forged = await m1.publishAsync('telematics/v1/M-2/position', 'forged', { qos: 1 }).catch((e: unknown) => e);
    await waitFor(
      async () => seen.length,
      (n) => n >= 1,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual(['telematics/v1/M-1/position own']);
    // MQTT 5: the broker answers the forged publish with "not authorized".
    expect(JSON.stringify(forged)).toMatch(/135|authori/i);
  });

  it.each([
    ['a deactivated terminal', 'M-OFF', 'secret-M-OFF'],
    ['a terminal no longer registered', 'M-GONE', 'secret-M-GONE'],
    ['a wrong secret', 'M-2', 'secret-M-1'],
  ])('refuses %s', async (_case, username, password) => {
    await expect(connectAs(username, password)).rejects.toThrow();
  });
});
