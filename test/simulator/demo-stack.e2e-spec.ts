import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import { hashPassword } from '#app/crypto';
import { demoTerminalSecret, loadDemoFleet } from '#app/demo-fleet';
import { acquireInfrastructure, type Infrastructure } from '#app/infra';
import { rootLogger } from '#app/logging';
import { demoCars, startSimulator, type RunningSimulator } from '#app/simulator';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { checkedRequest, testConfig } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * MQTT in, REST out, as `npm run demo` runs it: the embedded broker signing terminals in against the
 * registry, the gateway, the API, the demo fleet, and a few of its cars driven by the simulator.
 */
describe('the simulator against the embedded stack', () => {
  const cars = demoCars(5);
  let database: TestDatabase;
  let db: pg.Pool;
  let infra: Infrastructure;
  let gateway: INestApplicationContext;
  let api: INestApplication;
  let token: string;
  let simulator: RunningSimulator | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    await loadDemoFleet(db);
    // No MQTT_URL: the in-process broker of the embedded default, on a free port.
    const config = testConfig(database.url, {
      MQTT_URL: '',
      EMBEDDED_MQTT_PORT: '0',
      INGEST_CLIENT_ID: 'gw-sim-stack',
    });
    infra = await acquireInfrastructure(config, rootLogger('silent'));
    gateway = await createGatewayContext(config, infra);
    api = await createApiApp(config, infra);
    await api.init();
    await db.query(`INSERT INTO users (username, password_hash, roles) VALUES ('watch', $1, '{centre}')`, [
      await hashPassword('watch-password'),
    ]);
    const res = await checkedRequest(api)
      .post('/api/v1/auth/token')
      .send({ username: 'watch', password: 'watch-password' })
      .expect(200);
    token = res.body.accessToken;
  });

  afterAll(async () => {
    await simulator?.stop();
    await gateway?.close();
    await api?.close();
    await infra?.stop();
    await db?.end();
    await database?.drop();
  });

  const live = async () =>
    (await checkedRequest(api).get('/api/v1/fleet/live').set('Authorization', `Bearer ${token}`).expect(200)).body as {
      counts: { total: number; online: number; offline: number; neverReported: number };
      vehicles: { vehicleId: string; terminalId: string; state: string; fixTime: string | null; lat: number | null }[];
    };

  it('shows the simulated cars online with fresh positions in the live view, and their tracks', async () => {
    simulator = await startSimulator({
      mqttUrl: infra.mqttUrl,
      cars,
      secretFor: (id) => demoTerminalSecret(id),
      intervalSeconds: 1,
      speedup: 1,
      log: rootLogger('silent'),
    });
    await simulator.ready;
    const simulated = new Set(cars.map((c) => c.terminalId));
    let first = await live();
    const deadline = Date.now() + 20_000;
    while (first.counts.online < cars.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      first = await live();
    }
    expect(first.counts).toEqual({ total: 403, online: 5, offline: 0, neverReported: 398 });
    const mine = first.vehicles.filter((v) => simulated.has(v.terminalId));
    expect(mine.every((v) => v.state === 'online' && v.lat !== null)).toBe(true);

    // A few seconds on, every simulated car has reported a newer fix.
    await new Promise((r) => setTimeout(r, 2500));
    const second = await live();
    for (const car of mine) {
      const later = second.vehicles.find((v) => v.vehicleId === car.vehicleId)!;
      expect(Date.parse(later.fixTime!)).toBeGreaterThan(Date.parse(car.fixTime!));
    }

    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const track = await checkedRequest(api)
      .get(`/api/v1/vehicles/${mine[0].vehicleId}/track`)
      .query({ from, to })
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(track.body.features[0].geometry.type).toBe('LineString');
    expect(track.body.features[0].properties.fixes).toBeGreaterThanOrEqual(3);
  });

  it('shows them offline once the terminals sign off', async () => {
    await simulator!.stop();
    simulator = undefined;
    let after = await live();
    const deadline = Date.now() + 10_000;
    while (after.counts.online > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await live();
    }
    expect(after.counts).toEqual({ total: 403, online: 0, offline: 5, neverReported: 398 });
  });
});
