import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { localDate } from '#app/calendar';
import { hashPassword } from '#app/crypto';
import { count, registerFleet, waitFor, waitForGateway } from '../ingest/support/fleet.js';
import { startMosquitto, type Mosquitto } from '../ingest/support/mosquitto.js';
import { addCar, addUnit, bind } from '../payment-gate/gate-fixtures.js';
import { checkedJsonCall } from '../support/openapi-check.js';
import { freePort, startService, type ServiceProcess } from '../support/service-process.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

jest.setTimeout(240_000);

const METRICS_TOKEN = 'metrics-token-for-the-end-to-end-test';
const FINANCE = { username: 'finance.metrics', password: 'finance-password-for-tests' };
const PLATE = '苏N·M0001';
const TERMINAL = 'MET-1';

/** One scrape: every sample by name with its labels, and every metric's declared type. */
interface Scrape {
  samples: { name: string; labels: Record<string, string>; value: number }[];
  types: Map<string, string>;
  text: string;
}

function parseExposition(text: string): Scrape {
  const samples: Scrape['samples'] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { samples, types, text };
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return scrape.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const hasSeries = (scrape: Scrape, name: string, labels: Record<string, string>) =>
  scrape.samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

/** Metric names a PromQL expression reads (the service's own and Node's process figures). */
const metricNames = (expr: string) => [...expr.matchAll(/\b(?:oversight|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]);

/** Whether a scrape declares this name, or it is a histogram's bucket, sum or count. */
function exported(scrape: Scrape, name: string): boolean {
  if (scrape.types.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && scrape.types.get(base) === 'histogram';
}

/** Every string under an `expr`, `query` or `definition` key of the dashboard. */
function dashboardQueries(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) dashboardQueries(item, found);
  else if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) {
      if (['expr', 'query', 'definition'].includes(key) && typeof child === 'string' && child !== 'prometheus') {
        found.push(child);
      } else dashboardQueries(child, found);
    }
  }
  return found;
}

async function stopService(service: ServiceProcess | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null) return;
  process.kill(-service.child.pid!, 'SIGTERM');
  await service.exited;
}

describe('the whole service in one process, scraped after real traffic', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let broker: Mosquitto;
  let service: ServiceProcess;
  let base: string;
  let ops: string;
  let token: string;
  let vehicleId: string;
  let terminal: MqttClient;

  const scrape = async (): Promise<Scrape> => {
    const res = await fetch(`${ops}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    return parseExposition(await res.text());
  };
  // Every answer of the API is checked against the document the service itself publishes.
  const api = (method: string, path: string, body?: unknown, bearer: string | undefined = token) =>
    checkedJsonCall(base, method, path, body, bearer);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    broker = await startMosquitto(await freePort());
    const port = await freePort();
    service = startService('dist/apps/main.js', [], {
      DATABASE_URL: database.url,
      MQTT_URL: broker.url,
      PORT: String(port),
      // Any free port: the service says which.
      METRICS_PORT: '0',
      METRICS_TOKEN,
      JT808_PORT: '0',
      INGEST_CLIENT_ID: `gateway-metrics-${port}`,
      ADMIN_PASSWORD: 'admin-password-for-tests',
      LOG_LEVEL: 'warn',
    });
    const [, metricsPort] = await service.waitFor(/^metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics$/m);
    await service.waitFor(/^dashboard: /m);
    base = `http://127.0.0.1:${port}`;
    ops = `http://127.0.0.1:${metricsPort}`;

    vehicleId = await addCar(db, await addUnit(db, '区财政局'), PLATE);
    await bind(db, vehicleId, TERMINAL, localDate(Date.now() - 86_400_000));
    await registerFleet(db, ['MET-PROBE']);
    await db.query(
      `INSERT INTO users (username, password_hash, roles, must_change_password) VALUES ($1, $2, '{finance}', false)`,
      [FINANCE.username, await hashPassword(FINANCE.password)],
    );
    token = (await api('POST', '/api/v1/auth/token', FINANCE, undefined)).body.accessToken as string;

    terminal = await mqtt.connectAsync(broker.url, { clientId: 'metrics-terminal', protocolVersion: 4 });
    await waitForGateway(db, (topic, payload) => terminal.publishAsync(topic, payload, { qos: 1 }), 'MET-PROBE');
  });

  afterAll(async () => {
    await terminal?.endAsync(true).catch(() => undefined);
    await stopService(service);
    await broker?.destroy();
    await db?.end();
    await database?.drop();
  });

  it('counts what the gateway took in, stored and refused, its commit latencies and flush sizes', async () => {
    const before = await scrape();
    const start = Date.now() - 10 * 60_000;
    // A car at 130 km/h for a minute, then at 40 km/h: 30 positions, 5 s apart.
    const positions = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify({
        fixTime: start + i * 5_000,
        lat: 32.05 + i * 0.001,
        lon: 118.78,
        speedKmh: i < 13 ? 130 : 40,
        ignition: true,
      }),
    );
    await Promise.all([
      ...positions.map((p) => terminal.publishAsync(`telematics/v1/${TERMINAL}/position`, p, { qos: 1 })),
      terminal.publishAsync(`telematics/v1/${TERMINAL}/position`, '{not json', { qos: 1 }),
      terminal.publishAsync('telematics/v1/NOBODY/position', positions[0], { qos: 1 }),
    ]);
    // Mosquitto has them; the gateway acknowledges each to the broker once its flush is committed.
    const acknowledged = (scrape: Scrape) => value(scrape, 'oversight_ingest_acks_total', { result: 'sent' });
    const after = await waitFor(scrape, (s) => acknowledged(s) - acknowledged(before) >= 32, 30_000);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);

    expect(await count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1', [TERMINAL])).toBe(30);
    expect({
      messages: delta('oversight_ingest_messages_total'),
      accepted: delta('oversight_ingest_positions_accepted_total'),
      malformed: delta('oversight_ingest_rejected_total', { reason: 'MALFORMED' }),
      unknownTerminal: delta('oversight_ingest_rejected_total', { reason: 'UNKNOWN_TERMINAL' }),
      rejected: delta('oversight_ingest_rejected_total'),
      acknowledged: delta('oversight_ingest_acks_total', { result: 'sent' }),
      committed: delta('oversight_ingest_commit_latency_seconds_count'),
      flushedMessages: delta('oversight_ingest_flush_messages_sum'),
      uncommitted: value(after, 'oversight_ingest_uncommitted'),
      brokerDropped: value(after, 'oversight_broker_dropped_messages_total'),
    }).toEqual({
      messages: 32,
      accepted: 30,
      malformed: 1,
      unknownTerminal: 1,
      rejected: 2,
      acknowledged: 32,
      committed: 32,
      flushedMessages: 32,
      uncommitted: 0,
      brokerDropped: 0,
    });
    // Every latency falls in the last bucket; the flushes that carried them are counted.
    expect(delta('oversight_ingest_commit_latency_seconds_bucket', { le: '+Inf' })).toBe(32);
    expect(delta('oversight_ingest_flush_messages_count')).toBeGreaterThanOrEqual(1);
    expect(hasSeries(after, 'oversight_broker_dropped_messages_total', {})).toBe(true);
  });

  it('counts each finding the detector raised once, as many as it stored, and shows its lag by partition', async () => {
    await waitFor(
      () => count(db, `SELECT count(*) AS n FROM violations WHERE rule = 'speeding'`),
      (n) => n >= 1,
      60_000,
    );
    const stored = () => count(db, 'SELECT count(*) AS n FROM violations');
    // The counter moves just after the commit that stores the findings.
    const scraped = await waitFor(
      async () => ({ scrape: await scrape(), stored: await stored() }),
      ({ scrape: s, stored: n }) => value(s, 'oversight_detector_findings_raised_total') === n,
      30_000,
    );
    expect(value(scraped.scrape, 'oversight_detector_findings_raised_total')).toBe(scraped.stored);
    expect(value(scraped.scrape, 'oversight_detector_findings_raised_total', { rule: 'speeding' })).toBe(1);
    expect(value(scraped.scrape, 'oversight_detector_positions_evaluated_total')).toBeGreaterThanOrEqual(30);
    // The one detector holds every partition (16 by default): each reports, at 0 while nothing waits.
    for (const partition of ['0', '7', '15']) {
      expect(hasSeries(scraped.scrape, 'oversight_detector_lag_seconds', { partition })).toBe(true);
      expect(hasSeries(scraped.scrape, 'oversight_detector_waiting_vehicles', { partition })).toBe(true);
    }
    expect(hasSeries(scraped.scrape, 'oversight_detector_lag_seconds', { partition: '16' })).toBe(false);
    expect(value(scraped.scrape, 'oversight_detector_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('times the payment gate’s decisions by result, and every request by its route template', async () => {
    const before = await scrape();
    const check = (plateNumber: string, invoiceNo: string) =>
      api('POST', '/api/v1/payment-gate/checks', {
        plateNumber,
        expenseType: 'repair',
        amount: '120.00',
        invoiceNo,
        expenseDate: localDate(Date.now()),
      });
    const heard = await check(PLATE, 'INV-METRICS-1');
    const unknown = await check('苏N·Z9999', 'INV-METRICS-2');
    expect([heard.status, unknown.status]).toEqual([200, 200]);
    expect(unknown.body.decision).toBe('deny');
    expect((await api('POST', '/api/v1/payment-gate/checks', { plateNumber: PLATE })).status).toBe(400);
    expect((await api('GET', `/api/v1/vehicles/${vehicleId}`)).status).toBe(200);
    expect((await api('GET', '/api/v1/vehicles/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      value(after, name, labels) - value(before, name, labels);

    const decided = (result: string) => delta('oversight_gate_decision_seconds_count', { result });
    const expected = { allow: 0, deny: 1, refused: 0, unavailable: 0 };
    expected[heard.body.decision as 'allow' | 'deny'] += 1;
    expect({
      allow: decided('allow'),
      deny: decided('deny'),
      refused: decided('refused'),
      unavailable: decided('unavailable'),
    }).toEqual(expected);

    const http = (route: string, method: string, status: string) =>
      delta('oversight_http_request_duration_seconds_count', { route, method, status });
    expect({
      vehicleFound: http('/api/v1/vehicles/:id', 'GET', '200'),
      vehicleMissing: http('/api/v1/vehicles/:id', 'GET', '404'),
      checks: http('/api/v1/payment-gate/checks', 'POST', '200'),
      badCheck: http('/api/v1/payment-gate/checks', 'POST', '400'),
    }).toEqual({ vehicleFound: 1, vehicleMissing: 1, checks: 2, badCheck: 1 });
    // The template, never the raw path: no series carries an id.
    expect(after.samples.filter((s) => s.labels.route?.includes(vehicleId))).toEqual([]);
  });

  it('serves the metrics on the API port only to the bearer of METRICS_TOKEN', async () => {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(/^# TYPE oversight_ingest_messages_total counter$/m);
    expect((await api('GET', '/metrics', undefined, undefined)).status).toBe(401);
    // A user's token is no metrics token, whatever its roles.
    expect((await api('GET', '/metrics')).status).toBe(401);
    expect((await fetch(`${ops}/metrics`)).status).toBe(401);
  });

  it('is ready with every app’s database and broker up, live, and keeps /api/health as it was', async () => {
    const ready = await fetch(`${ops}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; checks: { app: string; dependency: string }[] };
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => `${c.app}/${c.dependency}`).sort()).toEqual([
      'api/database',
      'detector/broker',
      'detector/database',
      'gateway/broker',
      'gateway/database',
      'scheduler/database',
    ]);
    expect((await api('GET', '/api/health/ready', undefined, undefined)).body).toEqual(body);
    expect((await api('GET', '/api/health/live', undefined, undefined)).body).toMatchObject({ status: 'live' });
    expect((await fetch(`${ops}/health/live`)).status).toBe(200);
    const health = await api('GET', '/api/health', undefined, undefined);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up', warnings: expect.any(Array) });
    const metrics = await scrape();
    expect(value(metrics, 'oversight_ready')).toBe(1);
    expect(value(metrics, 'oversight_dependency_up')).toBe(6);
  });

  it('has a Grafana dashboard and alert rules that read only metrics the service exports', async () => {
    const metrics = await scrape();
    const dashboard = JSON.parse(readFileSync('deploy/grafana/oversight.json', 'utf8')) as unknown;
    const alerts = [...readFileSync('deploy/prometheus/alerts.yml', 'utf8').matchAll(/^\s*expr: (.+)$/gm)].map(
      (m) => m[1],
    );
    const queries = [...dashboardQueries(dashboard), ...alerts];
    expect(queries.length).toBeGreaterThan(25);
    expect(queries.filter((q) => metricNames(q).length === 0)).toEqual([]);
    const unknown = queries.flatMap((q) => metricNames(q).filter((name) => !exported(metrics, name)));
    expect(unknown).toEqual([]);
  });
});

describe('readiness of apps run alone follows their database and broker', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let broker: Mosquitto;
  const running: ServiceProcess[] = [];
  const listeners = new Map<string, string>();

  const ready = async (app: string) => {
    const res = await fetch(`${listeners.get(app)}/health/ready`);
    const body = (await res.json()) as { checks: { dependency: string; status: string }[] };
    return {
      status: res.status,
      down: body.checks.filter((c) => c.status === 'down').map((c) => c.dependency),
    };
  };
  const live = async (app: string) => (await fetch(`${listeners.get(app)}/health/live`)).status;
  const until = (app: string, status: number, down: string[]) =>
    waitFor(
      () => ready(app),
      (r) => r.status === status && r.down.join() === down.join(),
      30_000,
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    const server = new URL(database.url);
    proxy = await new TcpProxy(server.hostname, Number(server.port || 5432)).start();
    broker = await startMosquitto(await freePort());
    for (const app of ['gateway', 'detector']) {
      const service = startService(`dist/apps/${app}/src/main.js`, [], {
        DATABASE_URL: proxy.url(database.url),
        MQTT_URL: broker.url,
        METRICS_PORT: '0',
        JT808_PORT: '0',
        INGEST_CLIENT_ID: `gateway-alone-${broker.port}`,
        LOG_LEVEL: 'silent',
      });
      running.push(service);
      const [, port] = await service.waitFor(/^metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics$/m);
      listeners.set(app, `http://127.0.0.1:${port}`);
    }
  });

  afterAll(async () => {
    for (const service of running) await stopService(service);
    await proxy?.stop();
    await broker?.destroy();
    await database?.drop();
  });

  it('is ready with both, names the one that is lost, stays live, and is ready again once it is back', async () => {
    for (const app of ['gateway', 'detector']) expect(await until(app, 200, [])).toEqual({ status: 200, down: [] });

    proxy.cut();
    for (const app of ['gateway', 'detector']) {
      expect(await until(app, 503, ['database'])).toEqual({ status: 503, down: ['database'] });
      expect(await live(app)).toBe(200);
    }
    proxy.restore();
    for (const app of ['gateway', 'detector']) expect(await until(app, 200, [])).toEqual({ status: 200, down: [] });

    await broker.stop();
    for (const app of ['gateway', 'detector']) {
      expect(await until(app, 503, ['broker'])).toEqual({ status: 503, down: ['broker'] });
      expect(await live(app)).toBe(200);
    }
    await broker.restart();
    for (const app of ['gateway', 'detector']) expect(await until(app, 200, [])).toEqual({ status: 200, down: [] });
  });
});
