import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { runMigrations } from '#app/db';
import { DEMO_VEHICLES, demoHomeLot, loadDemoFleet } from '#app/demo-fleet';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '#app/infra';
import { rootLogger } from '#app/logging';
import { startMosquitto, type Mosquitto } from '../ingest/support/mosquitto.js';
import { freePort } from '../support/service-process.js';

/**
 * Soak: the full service (gateway, detector, scheduler, API in one process, as `npm start`) against a
 * PostgreSQL and a Mosquitto that this script starts and owns, fed by the 403 demo cars at one fix per second
 * each, for SOAK_MINUTES (default 60). During the run it restarts the database and the broker twice each
 * (at 1/5, 2/5, 3/5 and 4/5 of the time, each down for SOAK_DOWN_SECONDS). It prints the service's RSS and
 * heap every SOAK_SAMPLE_SECONDS and at the end: positions acknowledged by the broker but not stored (must be
 * 0) and findings raised against those expected.
 *
 * The cars stand in their units' home lots, engine off (no rule applies to a car parked where it belongs),
 * so the findings expected are 0: any finding is a false one raised by the restarts or the load.
 *
 *   npm run soak                     # one hour
 *   SOAK_MINUTES=5 npm run soak      # the short run
 */
const MINUTES = Number(process.env.SOAK_MINUTES ?? 60);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 30);
const DOWN_SECONDS = Number(process.env.SOAK_DOWN_SECONDS ?? 5);
const CARS = Number(process.env.SOAK_CARS ?? DEMO_VEHICLES.length);
const CONNECTIONS = 8;
const EXPECTED_FINDINGS = 0;

const log = rootLogger('warn');
const MiB = (n: number) => Math.round(n / 2 ** 20);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stamp = (start: number) => `${((Date.now() - start) / 60_000).toFixed(1).padStart(5)} min`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-soak-'));
  // The embedded PostgreSQL runs as the user postgres when started as root: it must enter this directory.
  chmodSync(dir, 0o755);
  const pgPort = await freePort();
  const brokerPort = await freePort();
  let database: EmbeddedDatabase | undefined;
  let broker: Mosquitto | undefined;
  let service: ChildProcess | undefined;
  const publishers: mqtt.MqttClient[] = [];
  const memory: { at: number; rss: number; heapUsed: number }[] = [];
  const events: string[] = [];
  const start = Date.now();
  try {
    database = await startEmbeddedPostgres(join(dir, 'data'), pgPort, log);
    await runMigrations(database.url);
    const seedPool = new pg.Pool({ connectionString: database.url, max: 2 });
    await loadDemoFleet(seedPool);
    await seedPool.end();
    broker = await startMosquitto(brokerPort, { persistence: true });

    service = fork(fileURLToPath(new URL('./service.js', import.meta.url)), [], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        MQTT_URL: broker.url,
        PORT: String(await freePort()),
        DATA_DIR: join(dir, 'service'),
        LOG_LEVEL: process.env.SOAK_LOG_LEVEL ?? 'warn',
        ADMIN_PASSWORD: 'soak-admin-password-1',
        HISTORY_HEADS_FILE: join(dir, 'history-heads.jsonl'),
      },
      execArgv: ['--max-semi-space-size=64'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    service.on('message', (m: { type?: string; rss: number; heapUsed: number }) => {
      if (m.type === 'memory') memory.push({ at: Date.now(), rss: m.rss, heapUsed: m.heapUsed });
    });
    const serviceExit = new Promise<number | null>((resolve) => service!.once('exit', (code) => resolve(code)));
    await sleep(8_000); // started, subscribed

    // The terminals: QoS 1 over persistent sessions, so what the broker has not acknowledged is sent again.
    const cars = DEMO_VEHICLES.slice(0, CARS);
    let sent = 0;
    let acked = 0;
    let failed = 0;
    for (let i = 0; i < CONNECTIONS; i++) {
      publishers.push(
        mqtt.connect(broker.url, {
          clientId: `soak-terminals-${i}`,
          clean: false,
          reconnectPeriod: 500,
          protocolVersion: 4,
        }),
      );
    }
    const ends = start + MINUTES * 60_000;
    const restarts = [1, 2, 3, 4].map((k) => ({
      at: start + (MINUTES * 60_000 * k) / 5,
      what: k % 2 === 1 ? 'database' : 'broker',
      done: false,
    }));
    let nextSample = Date.now() + SAMPLE_SECONDS * 1000;
    let tick = Math.ceil(Date.now() / 1000) * 1000;
    const restartsRunning: Promise<void>[] = [];
    process.stdout.write('   time |  acked |  stored |   RSS MiB | heap MiB | event\n');
    while (Date.now() < ends) {
      await sleep(Math.max(0, tick - Date.now()));
      const fixTime = new Date(tick).toISOString();
      cars.forEach((car, i) => {
        const lot = demoHomeLot(car);
        const body = JSON.stringify({
          fixTime,
          lat: lot.lat + ((i % 7) - 3) * 1e-6,
          lon: lot.lon,
          speedKmh: 0,
          valid: true,
          ignition: false,
        });
        sent += 1;
        publishers[i % CONNECTIONS].publish(`telematics/v1/${car.terminalId}/position`, body, { qos: 1 }, (error) => {
          if (error) failed += 1;
          else acked += 1;
        });
      });
      tick += 1000;
      for (const r of restarts) {
        if (r.done || Date.now() < r.at) continue;
        r.done = true;
        const line = `restart ${r.what}`;
        events.push(`${stamp(start)} ${line}`);
        restartsRunning.push(
          (async () => {
            if (r.what === 'database') {
              await database!.stop();
              await sleep(DOWN_SECONDS * 1000);
              database = await startEmbeddedPostgres(join(dir, 'data'), pgPort, log);
            } else {
              await broker!.stop();
              await sleep(DOWN_SECONDS * 1000);
              await broker!.restart();
            }
            events.push(`${stamp(start)} ${r.what} back`);
          })(),
        );
      }
      if (Date.now() >= nextSample) {
        nextSample += SAMPLE_SECONDS * 1000;
        const m = memory.at(-1);
        const stored = await countStored(database.url).catch(() => Number.NaN);
        process.stdout.write(
          `${stamp(start)} | ${String(acked).padStart(7)} | ${String(stored).padStart(7)} | ${String(m ? MiB(m.rss) : '-').padStart(9)} | ${String(m ? MiB(m.heapUsed) : '-').padStart(8)} | ${events.splice(0).join('; ')}\n`,
        );
      }
    }
    await Promise.all(restartsRunning);
    // Let everything acknowledged reach the database (the gateway commits before it acknowledges).
    let stored = 0;
    for (let waited = 0; waited < 120; waited++) {
      await Promise.all(
        publishers.map((p) => new Promise((r) => ((p.queue?.length ?? 0) === 0 ? r(null) : setTimeout(r, 100)))),
      );
      stored = await countStored(database.url);
      if (stored >= acked) break;
      await sleep(1000);
    }
    const findings = await countFindings(database.url);
    const rss = memory.map((m) => MiB(m.rss));
    const heap = memory.map((m) => MiB(m.heapUsed));
    const third = Math.max(1, Math.floor(memory.length / 3));
    const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const summary = {
      minutes: MINUTES,
      cars: cars.length,
      ratePerSecond: cars.length,
      published: sent,
      acknowledgedByBroker: acked,
      unacknowledgedAtEnd: sent - acked - failed,
      publishFailures: failed,
      stored,
      positionsLost: Math.max(0, acked - stored),
      findingsRaised: findings,
      findingsExpected: EXPECTED_FINDINGS,
      restarts: restarts.map((r) => r.what),
      rssMiB: {
        first: rss[0],
        min: Math.min(...rss),
        max: Math.max(...rss),
        last: rss.at(-1),
        meanFirstThird: mean(rss.slice(0, third)),
        meanLastThird: mean(rss.slice(-third)),
      },
      heapUsedMiB: {
        first: heap[0],
        min: Math.min(...heap),
        max: Math.max(...heap),
        last: heap.at(-1),
        meanFirstThird: mean(heap.slice(0, third)),
        meanLastThird: mean(heap.slice(-third)),
      },
      serviceRunning: service.exitCode === null,
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    service.kill('SIGTERM');
    const code = await Promise.race([serviceExit, sleep(30_000).then(() => 'timeout')]);
    process.stdout.write(`service stopped: exit ${code}\n`);
    process.exitCode = summary.positionsLost === 0 && findings === EXPECTED_FINDINGS && summary.serviceRunning ? 0 : 1;
  } finally {
    for (const p of publishers) p.end(true);
    if (service && service.exitCode === null) service.kill('SIGKILL');
    await broker?.destroy().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function countStored(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM positions')).rows[0].n as number;
  } finally {
    await client.end();
  }
}

async function countFindings(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM violations')).rows[0].n as number;
  } finally {
    await client.end();
  }
}

await main();
