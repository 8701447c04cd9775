import type { INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import pg from 'pg';
import { DEMO_UNITS, DEMO_VEHICLES, loadDemoFleet } from '#app/demo-fleet';
import { loadDemoFences } from '#app/geo';
import {
  demoCars,
  demoSecret,
  officialWorkingDay,
  publishAsTerminal,
  scenarioMessages,
  type ScenarioKind,
} from '#app/simulator';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { IngestService } from '../../apps/gateway/src/ingest/ingest.service.js';
import { startMosquitto, type Mosquitto } from '../ingest/support/mosquitto.js';
import { checkedRequest, testConfig, testInfrastructure, ADMIN_PASSWORD } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PORT = 18862;

/**
 * The simulator's scripted misuse, end to end: terminals publish over MQTT to a real Mosquitto, the gateway
 * stores and hands off, the detector evaluates, and REST shows exactly the expected findings — no others.
 */
describe('simulator scenarios through MQTT, gateway, detector and REST', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: INestApplicationContext;
  let detector: INestMicroservice;
  let api: INestApplication;
  let token: string;
  // A pinned working day followed by a working day (Wednesday and Thursday in the shipped 2026 schedule), so the
  // answer is the same on a holiday and in any year. The gateway receives as if two days later (its clock runs
  // from there at real speed): the overnight scenario is over and no fix is too old or in the future.
  const day = '2026-11-18';
  const RECEIVED_FROM = Date.parse('2026-11-20T12:00:00+08:00');

  const generalCars = demoCars().filter(
    (car) => DEMO_VEHICLES.find((v) => v.terminalId === car.terminalId)?.category === 'general',
  );
  const KINDS: ScenarioKind[] = [
    'off-hours',
    'forbidden-venue',
    'leave-district',
    'overnight-away',
    'antenna-cut',
    'malformed',
  ];
  const assigned = KINDS.map((kind, i) => ({ kind, car: generalCars[i] }));
  const EXPECTED: Record<string, string[]> = {
    // Out at 20:00 and, after half an hour with the engine off, back: two off-hours drives.
    'off-hours': ['off_hours', 'off_hours'],
    'forbidden-venue': ['forbidden_venue'],
    'leave-district': ['leaving_jurisdiction'],
    'overnight-away': ['designated_parking'],
    'antenna-cut': ['terminal_tampering'],
    malformed: [],
  };

  beforeAll(async () => {
    broker = await startMosquitto(PORT);
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
    await loadDemoFleet(db);
    const { rows: units } = await db.query<{ id: string; name: string }>('SELECT id, name FROM units');
    const unitId = new Map(units.map((u) => [u.name, u.id]));
    await loadDemoFences(
      db,
      DEMO_UNITS.map((u) => ({ unitId: unitId.get(u.name)!, label: u.name, lat: u.homeLot.lat, lon: u.homeLot.lon })),
    );
    const config = testConfig(database.url, { MQTT_URL: broker.url, INGEST_CLIENT_ID: `gw-sim-${process.pid}` });
    const infra = testInfrastructure(config);
    gateway = await createGatewayContext(config, infra);
    const started = Date.now();
    gateway.get(IngestService).receiveClock = () => RECEIVED_FROM + (Date.now() - started);
    detector = await createDetectorApp(config, infra, { catchUpMs: 1_000, silentSweepMs: 0, statePersistMs: 0 });
    await detector.listen();
    api = await createApiApp(config, infra);
    await api.init();
    // Violations are the centre's and inspectors' to read, not the administrator's: this admin also works at the centre.
    await db.query(`UPDATE users SET roles = '{admin,centre}' WHERE username = 'admin'`);
    const signIn = await checkedRequest(api)
      .post('/api/v1/auth/token')
      .send({ username: 'admin', password: ADMIN_PASSWORD })
      .expect(200);
    token = signIn.body.accessToken;
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await detector?.close();
    await gateway?.close();
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  it('runs on a working day followed by a working day', () => {
    expect([officialWorkingDay(day), officialWorkingDay('2026-11-19')]).toEqual([true, true]);
  });

  it('raises exactly the expected violations for each scripted misuse and nothing for anyone else', async () => {
    let sent = 0;
    await Promise.all(
      assigned.map(({ kind, car }) => {
        // From 07:00: the night before the scenario day the cars only stand in their bays.
        const from = new Date(Date.parse(`${day}T07:00:00+08:00`));
        const { messages } = scenarioMessages({ car, kind, day, from, intervalSeconds: 60, encoding: 'json' });
        for (const m of messages) sent += m.malformed ? 1 : m.fixes.length;
        return publishAsTerminal(broker.url, car.terminalId, demoSecret(car.terminalId), messages);
      }),
    );
    // Every message stored or rejected, then the detector has caught up with all of them.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM positions) + (SELECT count(*) FROM rejected_messages)::int AS n',
      );
      if (Number(rows[0].n) >= sent || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const engine = detector.get(DetectionEngine);
    await engine.catchUp();
    await engine.catchUp();
    const res = await checkedRequest(api)
      .get('/api/v1/violations?limit=500')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    const byVehicle = new Map<string, string[]>();
    for (const v of res.body.items as { vehicleId: string; rule: string }[]) {
      byVehicle.set(v.vehicleId, [...(byVehicle.get(v.vehicleId) ?? []), v.rule].sort());
    }
    const { rows: ids } = await db.query<{ terminal_id: string; vehicle_id: string }>(
      'SELECT terminal_id, vehicle_id FROM terminal_bindings',
    );
    const vehicleOf = new Map(ids.map((r) => [r.terminal_id, r.vehicle_id]));
    const found = Object.fromEntries(
      assigned.map(({ kind, car }) => [kind, byVehicle.get(vehicleOf.get(car.terminalId)!) ?? []]),
    );
    expect(found).toEqual(EXPECTED);
    const mine = new Set(assigned.map(({ car }) => vehicleOf.get(car.terminalId)));
    expect([...byVehicle.keys()].filter((id) => !mine.has(id))).toEqual([]);
    const rejected = await db.query<{ reason: string }>(
      'SELECT DISTINCT reason FROM rejected_messages ORDER BY reason',
    );
    expect(rejected.rows.map((r) => r.reason)).toEqual([
      'FUTURE',
      'MALFORMED',
      'NULL_ISLAND',
      'OUT_OF_RANGE',
      'SCHEMA',
    ]);
  }, 120_000);
});
