import type { INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { hashPassword } from '#app/crypto';
import type { StartedApp } from '#app/infra';
import { WEBHOOK_HEADERS } from '#app/notifications';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { IngestService } from '../../apps/gateway/src/ingest/ingest.service.js';
import { startScheduler } from '../../apps/scheduler/src/scheduler.app.js';
import { driveEast, local, seedCar, standAt, type SeededCar } from '../detector/detector-fixture.js';
import { registerFleet, waitForGateway } from '../ingest/support/fleet.js';
import { startMosquitto, type Mosquitto } from '../ingest/support/mosquitto.js';
import { freePort } from '../support/service-process.js';
import { ADMIN_PASSWORD, checkedRequest, testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('nothing arrived in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The promise end to end: a car's terminal publishes an off-hours drive over MQTT to a real Mosquitto,
 * the gateway stores it, the detector raises the finding, and the scheduler's sender tells the inspector by
 * e-mail (through a real SMTP server) and the inspection system by signed webhook — once, even after the
 * detector restarts.
 */
describe('a finding reaches an inspector by e-mail and webhook', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let db: pg.Pool;
  let sink: SmtpSink;
  let receiver: WebhookReceiver;
  let gateway: INestApplicationContext;
  let detector: INestMicroservice | undefined;
  let scheduler: StartedApp;
  let api: INestApplication;
  let terminal: MqttClient;
  let car: SeededCar;
  const config = () =>
    testConfig(database.url, {
      MQTT_URL: broker.url,
      INGEST_CLIENT_ID: `gw-notify-${process.pid}`,
      SMTP_URL: sink.url,
      PUBLIC_URL: 'https://oversight.example.gov.cn',
    });
  // Thursday 2026-11-19, a working day; the gateway receives as if at 20:30 that evening, so the test reads the
  // same in any year.
  const RECEIVED_FROM = local('2026-11-19 20:30:00');

  const startDetector = async () => {
    const cfg = config();
    detector = await createDetectorApp(cfg, testInfrastructure(cfg), {
      catchUpMs: 1_000,
      silentSweepMs: 0,
      statePersistMs: 0,
    });
    await detector.listen();
  };

  beforeAll(async () => {
    broker = await startMosquitto(await freePort());
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
    sink = await startSmtpSink();
    receiver = await startWebhookReceiver();
    const cfg = config();
    const infra = testInfrastructure(cfg);
    gateway = await createGatewayContext(cfg, infra);
    await startDetector();
    // The scheduler as `npm start` runs it: the sender wakes on each new finding.
    scheduler = await startScheduler(cfg, infra, { notifications: { pollMs: 1_000 } });
    api = await createApiApp(cfg, infra);
    await api.init();
    car = await seedCar(db);
    terminal = await mqtt.connectAsync(broker.url, { clientId: car.terminalId, protocolVersion: 4 });
    const [probe] = await registerFleet(db, [`PROBE${process.pid}`]);
    await waitForGateway(db, (topic, payload) => terminal.publishAsync(topic, payload, { qos: 1 }), probe.terminalId);
    const started = Date.now();
    gateway.get(IngestService).receiveClock = () => RECEIVED_FROM + (Date.now() - started);
  }, 90_000);

  afterAll(async () => {
    await terminal?.endAsync();
    await api?.close();
    await scheduler?.close();
    await detector?.close();
    await gateway?.close();
    await receiver?.close();
    await sink?.close();
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  it('tells the inspector of an off-hours drive by e-mail and the inspection system by signed webhook, once', async () => {
    const http = checkedRequest(api);
    const admin = await http.post('/api/v1/auth/token').send({ username: 'admin', password: ADMIN_PASSWORD });
    const as = { Authorization: `Bearer ${admin.body.accessToken}` };
    // The inspector, and where to reach them.
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (username, password_hash, roles) VALUES ('inspector-li', $1, '{inspector}') RETURNING id`,
      [await hashPassword('li-password-2026')],
    );
    await http
      .put(`/api/v1/notifications/contacts/${rows[0].id}`)
      .set(as)
      .send({ email: 'li.jian@jjjc.example.gov.cn' })
      .expect(200);
    const hook = await http
      .post('/api/v1/notifications/webhooks')
      .set(as)
      .send({ name: 'discipline-inspection-system', url: receiver.url })
      .expect(201);
    receiver.secret = hook.body.secret;
    await http
      .post('/api/v1/notifications/rules')
      .set(as)
      .send({
        name: '非工作时间用车：纪检',
        findingRules: ['off_hours'],
        unitIds: [car.unitId],
        recipients: [{ role: 'inspector', channels: ['email'] }, { webhookId: hook.body.id }],
      })
      .expect(201);

    // Ten minutes at 40 km/h from 20:00, then parked: what the terminal sends over MQTT.
    const drive = driveEast(local('2026-11-19 20:00:00'), 61, 10, 40);
    const last = drive[drive.length - 1];
    const fixes = [...drive, ...standAt(last.t + 60_000, 10, 60, last)];
    await terminal.publishAsync(
      `telematics/v1/${car.terminalId}/positions`,
      JSON.stringify({
        positions: fixes.map((f) => ({
          fixTime: f.t,
          lat: f.lat,
          lon: f.lon,
          speedKmh: f.speed,
          ignition: f.ignition ?? f.speed > 0,
        })),
      }),
      { qos: 1 },
    );

    const mail = await until(() => sink.messages.find((m) => m.to.includes('li.jian@jjjc.example.gov.cn')));
    const call = await until(() => receiver.calls[0]);

    const { rows: found } = await db.query<{ id: string; case_id: string; plate_number: string }>(
      `SELECT v.id, v.case_id, c.plate_number FROM violations v JOIN vehicles c ON c.id = v.vehicle_id
        WHERE v.vehicle_id = $1 AND v.rule = 'off_hours'`,
      [car.vehicleId],
    );
    expect(found).toHaveLength(1);
    const [finding] = found;
    expect(mail.mail.subject).toBe(`[公车监管 Oversight] 非工作时间用车 Off-hours use — ${finding.plate_number}`);
    expect(mail.mail.text).toContain('开始 Started: 2026-11-19T20:00:00+08:00');
    expect(mail.mail.text).toContain(`https://oversight.example.gov.cn/#/cases/${finding.case_id}`);

    expect(call.problem).toBeNull();
    expect(JSON.parse(call.body)).toMatchObject({
      event: 'finding',
      finding: { id: finding.id, rule: 'off_hours', plateNumber: finding.plate_number, caseId: finding.case_id },
    });

    const logged = await until(async () => {
      const res = await http.get(`/api/v1/notifications?violationId=${finding.id}`).set(as).expect(200);
      const items = res.body.items as { channel: string; status: string; id: string }[];
      return items.every((i) => i.status === 'sent') && items.length === 2 ? items : undefined;
    });
    expect(logged.map((i) => i.channel).sort()).toEqual(['email', 'webhook']);
    expect(call.headers[WEBHOOK_HEADERS.delivery]).toBe(logged.find((i) => i.channel === 'webhook')!.id);

    // A detector restart re-reads the car from its watermark: nothing is raised or queued again.
    await detector!.close();
    await startDetector();
    await detector!.get(DetectionEngine).catchUp();
    const { rows: after } = await db.query<{ findings: number; queued: number; messages: number }>(
      `SELECT (SELECT count(*) FROM violations WHERE vehicle_id = $1)::int AS findings,
              (SELECT count(*) FROM notification_outbox)::int AS queued,
              (SELECT count(*) FROM notifications WHERE violation_id = $2)::int AS messages`,
      [car.vehicleId, finding.id],
    );
    expect(after[0]).toEqual({ findings: 1, queued: 0, messages: 2 });
    expect(sink.messages.filter((m) => m.to.includes('li.jian@jjjc.example.gov.cn'))).toHaveLength(1);
    expect(receiver.calls).toHaveLength(1);
  }, 120_000);
});
