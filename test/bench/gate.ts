import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '#app/config';
import { externalInfrastructure } from '#app/infra';
import { hashSecret, newSecret } from '#app/crypto';
import { runMigrations } from '#app/db';
import { DEMO_VEHICLES, loadDemoFleet } from '#app/demo-fleet';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { cpuSeconds, percentile } from './support.js';

/**
 * Payment-gate load test. The API runs in a child process on a fresh database holding the demo fleet
 * (403 cars, their terminals and four days of positions); this process drives checks at a fixed rate
 * over keep-alive HTTP and measures latency on the client, from the moment each request was due
 * (so a stall counts against every request it delays).
 *
 *   npm run bench:gate            # 500 checks/s for 30 s after a 5 s warm-up
 *   BENCH_RATE=800 BENCH_SECONDS=60 npm run bench:gate
 *
 * TEST_DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres).
 */
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
/** `api-key` (how the finance system calls) or `token` (a signed-in finance user). */
const AUTH = process.env.BENCH_AUTH ?? 'api-key';
/** BENCH_TIMELINE=1 prints the slowest request of each 250 ms of the run: where the tail comes from. */
const TIMELINE = process.env.BENCH_TIMELINE === '1';
/** One car in ten has a terminal that went silent five days ago. */
const SILENT_EVERY = 10;
const DAY_MS = 86_400_000;

interface Check {
  plateNumber: string;
  expenseType: string;
  amount: string;
  invoiceNo: string;
  expenseDate: string;
}

function shanghaiDay(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

function dbUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Demo fleet plus positions every 5 minutes over the last 4 days (1 in 10 terminals silent for 5 days) and a
 * year of earlier payment decisions.
 */
async function seed(url: string): Promise<{ bearer: string }> {
  await runMigrations(url);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await loadDemoFleet(pool);
    const now = Date.now();
    const live = DEMO_VEHICLES.filter((v) => v.index % SILENT_EVERY !== 0).map((v) => v.terminalId);
    await pool.query(
      `INSERT INTO positions (terminal_id, fix_time, vehicle_id, lat, lon, speed_kmh, ignition)
       SELECT b.terminal_id, t, b.vehicle_id, 33.95 + random() * 0.05, 118.32 + random() * 0.05, 30, true
       FROM terminal_bindings b
       CROSS JOIN generate_series($2::timestamptz - interval '4 days', $2::timestamptz, interval '5 minutes') t
       WHERE b.terminal_id = ANY ($1)`,
      [live, new Date(now)],
    );
    // A year of earlier decisions (one invoice per car about every four days), as a running system has:
    // the decision log's plans are those of a table with history, not of an empty one.
    await pool.query(
      `INSERT INTO payment_checks (plate_number, plate_normalized, vehicle_id, unit_name, expense_type, amount,
         invoice_no, expense_date, decision, reasons, checked_at, checked_by, history_appended)
       SELECT v.plate_number, v.plate_normalized, v.id, u.name, 'fuel', 100 + (d % 400),
         'HIST-' || v.plate_normalized || '-' || d, ($1::timestamptz - make_interval(days => d))::date,
         'allow', '[]', $1::timestamptz - make_interval(days => d), 'finance-system', true
       FROM vehicles v JOIN units u ON u.id = v.unit_id CROSS JOIN generate_series(4, 365, 4) d`,
      [new Date(now)],
    );
    await pool.query('ANALYZE');
    if (AUTH === 'api-key') {
      const key = newSecret(32);
      await pool.query(`INSERT INTO api_keys (name, key_hash, roles) VALUES ('finance-system', $1, '{finance}')`, [
        hashSecret(key),
      ]);
      return { bearer: key };
    }
    return { bearer: '' };
  } finally {
    await pool.end();
  }
}

/** Child process: the API alone, as in production. */
async function serve(): Promise<void> {
  const config = loadConfig({
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    MQTT_URL: 'mqtt://127.0.0.1:1883',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: process.env.BENCH_ADMIN_PASSWORD,
  });
  const app = await createApiApp(config, externalInfrastructure(config.databaseUrl!, config.mqttUrl!, newSecret(48)));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.send?.({ port: address.port });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

function post(agent: Agent, port: number, path: string, bearer: string, body: unknown) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': payload.length,
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Process ids of the database sessions serving the bench database (the server runs on this machine). */
async function databaseBackends(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

function printTimeline(timeline: [number, number][]): void {
  const slots = new Map<number, number>();
  for (const [at, ms] of timeline) {
    const slot = Math.floor(at / 250);
    slots.set(slot, Math.max(slots.get(slot) ?? 0, ms));
  }
  const slow = [...slots].filter(([, ms]) => ms > 20).map(([slot, ms]) => `${(slot / 4).toFixed(2)}s:${ms.toFixed(0)}`);
  console.log(`250 ms slots with a request over 20 ms (${slow.length} of ${slots.size}): ${slow.join(' ')}`);
}

/** The realistic mix: new invoices of demo cars, exact repeats, unknown plates, reused invoice numbers. */
function makeMix(): () => { kind: string; check: Check } {
  const sent: Check[] = [];
  let n = 0;
  const today = Date.now();
  const types = ['fuel', 'fuel', 'fuel', 'repair', 'maintenance', 'toll', 'parking', 'washing'];
  const fresh = (): Check => {
    const car = DEMO_VEHICLES[Math.floor(Math.random() * DEMO_VEHICLES.length)];
    return {
      plateNumber: car.plateNumber,
      expenseType: types[Math.floor(Math.random() * types.length)],
      amount: (50 + Math.floor(Math.random() * 200_000) / 100).toFixed(2),
      invoiceNo: `0440019001${String(++n).padStart(10, '0')}`,
      expenseDate: shanghaiDay(new Date(today - Math.floor(Math.random() * 3) * DAY_MS)),
    };
  };
  return () => {
    const roll = Math.random();
    if (roll < 0.2 && sent.length > 0) return { kind: 'repeat', check: sent[Math.floor(Math.random() * sent.length)] };
    if (roll < 0.25 && sent.length > 0) {
      const earlier = sent[Math.floor(Math.random() * sent.length)];
      return { kind: 'reused-invoice', check: { ...earlier, amount: (Number(earlier.amount) + 1).toFixed(2) } };
    }
    if (roll < 0.35) {
      return {
        kind: 'unknown-plate',
        check: { ...fresh(), plateNumber: `苏N·Z${String(n % 10_000).padStart(4, '0')}` },
      };
    }
    const check = fresh();
    sent.push(check);
    return { kind: 'new', check };
  };
}

async function drive(port: number, bearer: string, apiPid: number | undefined, dbUrlForPids: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const next = makeMix();
  const latencies: number[] = [];
  /** [ms after the start, latency ms] of each request, for BENCH_TIMELINE. */
  const timeline: [number, number][] = [];
  const statuses = new Map<string, number>();
  const kinds = new Map<string, number>();
  const decisions = new Map<string, number>();
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const run = async (seconds: number, record: boolean) => {
    const total = Math.round(seconds * RATE);
    const start = performance.now();
    const pending: Promise<void>[] = [];
    let issued = 0;
    await new Promise<void>((done) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE) + 1);
        for (; issued < due; issued++) {
          const dueAt = start + (issued / RATE) * 1000;
          const { kind, check } = next();
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          pending.push(
            post(agent, port, '/api/v1/payment-gate/checks', bearer, check)
              .then((res) => {
                if (!record) return;
                latencies.push(performance.now() - dueAt);
                if (TIMELINE) timeline.push([dueAt - start, performance.now() - dueAt]);
                statuses.set(String(res.status), (statuses.get(String(res.status)) ?? 0) + 1);
                kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
                if (res.status === 200) {
                  const body = JSON.parse(res.body) as { decision: string; reasons: { code: string }[] };
                  const key = body.decision === 'allow' ? 'allow' : `deny:${body.reasons.map((r) => r.code).join('+')}`;
                  decisions.set(key, (decisions.get(key) ?? 0) + 1);
                }
              })
              .catch(() => {
                if (record) errors++;
              })
              .finally(() => inFlight--),
          );
        }
        if (issued >= total) done();
        else setTimeout(tick, 1);
      };
      tick();
    });
    await Promise.all(pending);
    return (performance.now() - start) / 1000;
  };

  await run(WARMUP_SECONDS, false);
  const cpuBefore = cpuSeconds(apiPid, NaN);
  const backends = await databaseBackends(dbUrlForPids);
  const dbBefore = backends.map((pid) => cpuSeconds(pid, NaN));
  const elapsed = await run(SECONDS, true);
  const apiCpuSeconds = cpuSeconds(apiPid, NaN) - cpuBefore;
  // Sessions that ended during the run are not counted, so this is a lower bound.
  const dbCpuSeconds = backends.reduce((sum, pid, i) => sum + (cpuSeconds(pid, NaN) - dbBefore[i] || 0), 0);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  if (TIMELINE) printTimeline(timeline);
  return { latencies, statuses, kinds, decisions, errors, elapsed, maxInFlight, apiCpuSeconds, dbCpuSeconds };
}

async function main(): Promise<void> {
  const name = `oversight_bench_gate_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  let child: ChildProcess | undefined;
  try {
    const url = dbUrl(name);
    const seedStart = performance.now();
    let { bearer } = await seed(url);
    console.log(`seeded ${name} in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

    const adminPassword = newSecret(12);
    child = fork(fileURLToPath(import.meta.url), ['serve'], {
      // e.g. BENCH_API_NODE_FLAGS="--cpu-prof --cpu-prof-dir=prof" to see where the API's time goes.
      execArgv: [...process.execArgv, ...(process.env.BENCH_API_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])],
      env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_ADMIN_PASSWORD: adminPassword },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child!.once('message', (m: { port?: number }) => (m.port ? resolve(m.port) : reject(new Error('no port'))));
      child!.once('exit', (code) => reject(new Error(`API exited with ${code}`)));
    });
    if (AUTH !== 'api-key') bearer = await financeToken(url, port);

    const loadBefore = loadavg()[0];
    const r = await drive(port, bearer, child.pid, url);
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const count = r.latencies.length + r.errors;
    const figures = {
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
      auth: AUTH,
      targetRate: RATE,
      seconds: SECONDS,
      requests: count,
      achievedRate: Number((count / r.elapsed).toFixed(1)),
      errors: r.errors,
      maxInFlight: r.maxInFlight,
      apiCpuMsPerCheck: Number(((r.apiCpuSeconds * 1000) / Math.max(1, r.latencies.length)).toFixed(2)),
      databaseCpuMsPerCheck: Number(((r.dbCpuSeconds * 1000) / Math.max(1, r.latencies.length)).toFixed(2)),
      loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
      statuses: Object.fromEntries(r.statuses),
      mix: Object.fromEntries(r.kinds),
      decisions: Object.fromEntries(r.decisions),
      p50: ms(percentile(r.latencies, 50)),
      p90: ms(percentile(r.latencies, 90)),
      p99: ms(percentile(r.latencies, 99)),
      p999: ms(percentile(r.latencies, 99.9)),
      max: ms(r.latencies[r.latencies.length - 1] ?? NaN),
    };
    console.log(JSON.stringify(figures, null, 2));
    const p99 = percentile(r.latencies, 99);
    console.log(
      `payment gate: ${figures.achievedRate} checks/s, p50 ${figures.p50}, p99 ${figures.p99} (target p99 ≤ 20 ms)`,
    );
    if (!(p99 <= 20) || r.errors > 0 || (r.statuses.get('200') ?? 0) !== r.latencies.length) process.exitCode = 1;
  } finally {
    child?.kill('SIGTERM');
    await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

async function financeToken(url: string, port: number): Promise<string> {
  const { hashPassword } = await import('#app/crypto');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const password = newSecret(12);
  await pool.query(`INSERT INTO users (username, password_hash, roles) VALUES ('cashier', $1, '{finance}')`, [
    await hashPassword(password),
  ]);
  await pool.end();
  const agent = new Agent({ keepAlive: false });
  const res = await post(agent, port, '/api/v1/auth/token', '', { username: 'cashier', password });
  return (JSON.parse(res.body) as { accessToken: string }).accessToken;
}

if (process.argv[2] === 'serve') {
  await serve();
} else {
  await main();
}
