/**
 * Scale-out benchmark: one gateway process against two on one MQTT 5 shared subscription, same broker, same
 * database, same machine.
 *
 *   npm run bench:scale
 *
 * Each run starts the gateway processes (`dist/apps/gateway/src/main.js` with the node flags of
 * `npm run start:gateway`, INGEST_SHARE_GROUP set: a group of one or of two), publishes at full speed for
 * BENCH_SCALE_S seconds from simulated terminals (held back while more than BENCH_MAX_BACKLOG positions are
 * published but not committed, so the figure is what the gateways sustain), waits until everything is
 * committed, counts the rows and empties the table for the next run. Runs alternate one, two, one, two… so the
 * machine's other load falls on both alike; the medians are compared. At the end the broker alone (publisher →
 * a plain counting subscriber) gives the raw limit of the same box.
 *
 * Positions count as committed when a gateway's hand-off to the detector (sent only after the COMMIT) reaches
 * the benchmark's subscriber; loss is what the broker acknowledged to the publisher minus the rows stored.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { runMigrations } from '#app/db';
import { HANDOFF_TOPIC_FILTER, type HandoffBatch } from '#app/handoff';
import { freePort, startService, type ServiceProcess } from '../support/service-process.js';
import { cpuSeconds, createBenchDatabase, seedBoundTerminals, startBenchMosquitto } from './support.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(SELF, '../../../..');
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TERMINALS = Number(process.env.BENCH_TERMINALS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SCALE_S ?? 30);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RAW_S = Number(process.env.BENCH_RAW_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const MAX_BACKLOG = Number(process.env.BENCH_MAX_BACKLOG ?? 40_000);
const WINDOW = 1000;

const terminalId = (i: number) => `B${String(i).padStart(5, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- publisher process
interface PublishJob {
  url: string;
  prefix: string;
  seconds: number;
  seqStart: number;
}

/** Full speed over CONNECTIONS connections, up to WINDOW unacknowledged each; the parent may hold it. */
async function runPublisher(job: PublishJob): Promise<void> {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, c) =>
      mqtt.connectAsync(job.url, { clientId: `scale-pub-${process.pid}-${c}`, clean: true, reconnectPeriod: 0 }),
    ),
  );
  const lastFix = new Map<number, number>();
  let seq = job.seqStart;
  let next = 0;
  let sent = 0;
  let acked = 0;
  let held = false;
  process.on('message', (m: { hold?: boolean }) => (held = m.hold === true));
  const progress = setInterval(() => process.send!({ progress: acked }), 100);
  const started = Date.now();
  const ends = started + job.seconds * 1000;
  const message = () => {
    const t = next++ % TERMINALS;
    // Each terminal's fix times rise, so every position of every run has a key of its own.
    const fixTime = Math.max(Date.now(), (lastFix.get(t) ?? 0) + 1);
    lastFix.set(t, fixTime);
    const body = { fixTime, lat: 31 + (t % 1000) / 1e4, lon: 121 + (seq % 1000) / 1e4, speedKmh: 40, seq: seq++ };
    return { topic: `${job.prefix}/${terminalId(t)}/position`, body: JSON.stringify(body) };
  };
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((done) => {
          let inFlight = 0;
          const pump = () => {
            if (Date.now() >= ends) {
              const wait = () => (inFlight === 0 ? done() : setTimeout(wait, 5));
              return wait();
            }
            let budget = held ? 0 : WINDOW - inFlight;
            while (budget-- > 0) {
              const { topic, body } = message();
              inFlight++;
              sent++;
              client.publish(topic, body, { qos: 1 }, () => {
                inFlight--;
                acked++;
              });
            }
            setTimeout(pump, 1);
          };
          pump();
        }),
    ),
  );
  clearInterval(progress);
  await Promise.all(clients.map((client) => client.endAsync()));
  const result = { sent, acked, seconds: (Date.now() - started) / 1000, seqEnd: seq };
  await new Promise<void>((sent) => process.send!(result, () => sent()));
}

// ---------------------------------------------------------------- raw counting subscriber process
async function runCounter(url: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `scale-raw-counter-${process.pid}`, clean: true });
  let received = 0;
  let first = 0;
  let last = 0;
  client.on('message', () => {
    if (received++ === 0) first = Date.now();
    last = Date.now();
  });
  await client.subscribeAsync('bench/raw/#', { qos: 1 });
  process.send!({ ready: true });
  process.on('message', () => {
    void client.endAsync().then(() => process.send!({ received, seconds: (last - first) / 1000 }));
  });
}

function runChild<T>(args: string[], onMessage?: (message: Record<string, unknown>) => void) {
  const child = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise<T>((resolveResult, reject) => {
    child.on('message', (message: Record<string, unknown>) => {
      if (message.ready || typeof message.progress === 'number') onMessage?.(message);
      else resolveResult(message as T);
    });
    child.once('exit', (code) => (code ? reject(new Error(`${args[0]} exited with ${code}`)) : undefined));
  });
  return { child, result };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n));

interface RunResult {
  gateways: number;
  acked: number;
  committedPerSecond: number;
  medianSecond: number;
  stored: number;
  loss: number;
  /** Rows of another run's positions (a session left over from it would show here). */
  foreign: number;
  /** Positions the hand-off delivered behind a newer position of the same car. */
  behind: number;
  /** CPU ms per 1,000 positions: gateways (together), broker, PostgreSQL. */
  cpu: { gateways: number; broker: number; postgres: number; publisher: number };
  load: string;
}

async function main(): Promise<void> {
  const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}`;
  const { admin, dbName, databaseUrl } = await createBenchDatabase(SERVER);
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  let broker: ChildProcess | undefined;
  let gateways: ServiceProcess[] = [];
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await runMigrations(databaseUrl);
    await seedBoundTerminals(db, TERMINALS, 'B', 5);
    broker = await startBenchMosquitto(ROOT, dir, port);

    // The hand-off subscriber: sees each position after its commit, from whichever gateway committed it.
    const observer = await mqtt.connectAsync(url, { clientId: 'scale-observer', clean: true });
    let committed = 0;
    let behind = 0;
    let dropped = 0;
    let droppedBase: number | undefined;
    const newest = new Map<string, number>();
    observer.on('message', (topic, payload) => {
      if (topic.startsWith('$SYS')) {
        droppedBase ??= Number(payload.toString());
        dropped = Number(payload.toString()) - droppedBase;
        return;
      }
      const { data } = JSON.parse(payload.toString()) as { data: HandoffBatch };
      committed += data.rows.length;
      for (const [vehicleId, , fixTime] of data.rows) {
        const seen = newest.get(vehicleId) ?? 0;
        if (fixTime < seen) behind++;
        else newest.set(vehicleId, fixTime);
      }
    });
    await observer.subscribeAsync([HANDOFF_TOPIC_FILTER, '$SYS/broker/publish/messages/dropped'], { qos: 0 });
    process.stdout.write(
      `machine: ${machine}; ${fmt(TERMINALS)} terminals over ${CONNECTIONS} publisher connections; ` +
        `${RUNS} runs of ${SECONDS} s per setting\n`,
    );

    const pgPids = async () =>
      (
        await db.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        )
      ).rows.map((r) => r.pid);

    let seq = 0;
    const results: RunResult[] = [];
    for (let run = 0; run < RUNS * 2; run++) {
      const count = run % 2 === 0 ? 1 : 2;
      gateways = Array.from({ length: count }, (_, i) =>
        startService(join(ROOT, 'dist/apps/gateway/src/main.js'), [], {
          DATABASE_URL: databaseUrl,
          MQTT_URL: url,
          INGEST_CLIENT_ID: `scale-gateway-${i + 1}`,
          INGEST_SHARE_GROUP: 'scale',
          JT808_PORT: '0',
          LOG_LEVEL: 'info',
          INGEST_METRICS_LOG_MS: '600000',
        }),
      );
      await Promise.all(gateways.map((g) => g.waitFor(/"msg":"ingest subscribed"/, 60_000)));
      await sleep(500);

      // PostgreSQL per backend: the gateways open connections as they go, so each backend counts from when
      // it is first seen (at 0 if it was not there before the run).
      const backends = new Map<number, number>();
      const sampleBackends = async () => {
        for (const pid of await pgPids()) if (!backends.has(pid)) backends.set(pid, cpuSeconds(pid));
      };
      await sampleBackends();
      for (const pid of backends.keys()) backends.set(pid, cpuSeconds(pid));
      const backendTimer = setInterval(() => void sampleBackends(), 500);
      const cpuOf = () => ({
        gateways: gateways.reduce((sum, g) => sum + cpuSeconds(g.child.pid), 0),
        broker: cpuSeconds(broker?.pid),
        postgres: [...backends].reduce((sum, [pid, at]) => sum + Math.max(0, cpuSeconds(pid) - at), 0),
      });
      const cpuBefore = { ...cpuOf(), postgres: 0 };
      const base = committed;
      const behindBase = behind;
      newest.clear();
      let held = false;
      const runSeqStart = seq;
      const started = Date.now();
      const publisher = runChild<{ sent: number; acked: number; seconds: number; seqEnd: number }>(
        ['publisher', JSON.stringify({ url, prefix: 'telematics/v1', seconds: SECONDS, seqStart: seq })],
        (message) => {
          const hold = (message.progress as number) - (committed - base) > MAX_BACKLOG;
          if (hold !== held && publisher.child.connected) publisher.child.send({ hold });
          held = hold;
        },
      );
      let publisherCpu = 0;
      const publisherTimer = setInterval(() => (publisherCpu = cpuSeconds(publisher.child.pid) || publisherCpu), 200);
      const perSecond: number[] = [];
      let previous = committed;
      const sampler = setInterval(() => {
        perSecond.push(committed - previous);
        previous = committed;
      }, 1000);
      const published = await publisher.result;
      clearInterval(publisherTimer);
      const windowEnd = Date.now();
      const inWindow = committed - base;
      clearInterval(sampler);
      seq = published.seqEnd;
      const deadline = Date.now() + 120_000;
      while (committed - base < published.acked && Date.now() < deadline) await sleep(100);
      const cpuAfter = cpuOf();
      clearInterval(backendTimer);
      const { rows } = await db.query<{ inside: string; outside: string }>(
        `SELECT count(*) FILTER (WHERE seq >= $1 AND seq < $2) AS inside,
                count(*) FILTER (WHERE seq < $1 OR seq >= $2) AS outside FROM positions`,
        [runSeqStart, published.seqEnd],
      );
      const stored = Number(rows[0].inside);
      const foreign = Number(rows[0].outside);
      const per1000 = (seconds: number) => (seconds * 1e6) / Math.max(1, committed - base);
      const steady = perSecond.slice(5, SECONDS - 1);
      const result: RunResult = {
        gateways: count,
        acked: published.acked,
        committedPerSecond: inWindow / ((windowEnd - started) / 1000),
        medianSecond: steady.length > 0 ? median(steady) : NaN,
        stored,
        loss: published.acked - stored,
        foreign,
        behind: behind - behindBase,
        cpu: {
          gateways: per1000(cpuAfter.gateways - cpuBefore.gateways),
          broker: per1000(cpuAfter.broker - cpuBefore.broker),
          postgres: per1000(cpuAfter.postgres - cpuBefore.postgres),
          publisher: per1000(publisherCpu),
        },
        load: loadavg()
          .map((l) => l.toFixed(1))
          .join(' / '),
      };
      results.push(result);
      process.stdout.write(
        `run ${run + 1}: ${count} gateway(s): ${fmt(result.committedPerSecond)} positions/s committed ` +
          `(median second ${fmt(result.medianSecond)}), ${fmt(result.acked)} acknowledged, ${fmt(stored)} stored, ` +
          `loss ${fmt(result.loss)}, ${fmt(foreign)} of other runs, ${fmt(result.behind)} handed off behind a newer fix of their car; ` +
          `CPU ms per 1,000 gateways ${result.cpu.gateways.toFixed(1)} / broker ${result.cpu.broker.toFixed(1)} / ` +
          `PostgreSQL ${result.cpu.postgres.toFixed(1)} / publisher ${result.cpu.publisher.toFixed(1)}; load ${result.load}\n`,
      );
      for (const g of gateways) process.kill(g.child.pid!, 'SIGTERM');
      await Promise.all(gateways.map((g) => g.exited));
      gateways = [];
      // End the gateways' sessions: the broker would go on giving a stopped member its share (docs/operations.md),
      // and the next run of one gateway would find half its stream parked in the other's session.
      for (let i = 0; i < count; i++) {
        const session = await mqtt.connectAsync(url, {
          clientId: `scale-gateway-${i + 1}`,
          clean: true,
          protocolVersion: 5,
          reconnectPeriod: 0,
        });
        await session.endAsync();
      }
      await db.query('TRUNCATE position_rows, position_packs, vehicle_live, rejected_messages');
    }

    // The broker alone: the same publisher into a counting subscriber.
    let counterReady!: () => void;
    const ready = new Promise<void>((r) => (counterReady = r));
    const counter = runChild<{ received: number; seconds: number }>(['counter', url], () => counterReady());
    await ready;
    await runChild(['publisher', JSON.stringify({ url, prefix: 'bench/raw', seconds: RAW_S, seqStart: 0 })]).result;
    await sleep(3000);
    counter.child.send('stop');
    const raw = await counter.result;
    const rawRate = raw.received / raw.seconds;
    await observer.endAsync();

    const of = (n: number) => results.filter((r) => r.gateways === n);
    const one = median(of(1).map((r) => r.committedPerSecond));
    const two = median(of(2).map((r) => r.committedPerSecond));
    const table = [
      ['measure', 'one gateway', 'two gateways'],
      [
        'committed positions/s, per run',
        of(1)
          .map((r) => fmt(r.committedPerSecond))
          .join(' / '),
        of(2)
          .map((r) => fmt(r.committedPerSecond))
          .join(' / '),
      ],
      ['committed positions/s, median of runs', fmt(one), fmt(two)],
      ['ratio two / one', '', `${(two / one).toFixed(2)}`],
      [
        'median per-second commit count (s 5…end), median of runs',
        fmt(median(of(1).map((r) => r.medianSecond))),
        fmt(median(of(2).map((r) => r.medianSecond))),
      ],
      [
        'rows of another run (a leftover session would show here), all runs',
        fmt(of(1).reduce((s, r) => s + r.foreign, 0)),
        fmt(of(2).reduce((s, r) => s + r.foreign, 0)),
      ],
      [
        'loss (acknowledged − stored), all runs',
        fmt(of(1).reduce((s, r) => s + r.loss, 0)),
        fmt(of(2).reduce((s, r) => s + r.loss, 0)),
      ],
      [
        'positions handed off behind a newer fix of their car, per run',
        of(1)
          .map((r) => fmt(r.behind))
          .join(' / '),
        of(2)
          .map((r) => fmt(r.behind))
          .join(' / '),
      ],
      ...(['gateways', 'broker', 'postgres', 'publisher'] as const).map((part) => [
        `CPU ms per 1,000 positions, ${part === 'gateways' ? 'gateway processes together' : part}, median`,
        median(of(1).map((r) => r.cpu[part])).toFixed(1),
        median(of(2).map((r) => r.cpu[part])).toFixed(1),
      ]),
      ['raw broker rate (publisher → counting subscriber), msg/s', fmt(rawRate), ''],
      [
        'ratio to the raw broker rate',
        `${((one / rawRate) * 100).toFixed(0)} %`,
        `${((two / rawRate) * 100).toFixed(0)} %`,
      ],
      ['broker dropped ($SYS counter)', fmt(dropped), ''],
      ['load average at the end (1 / 5 / 15 min)', results.at(-1)?.load ?? '', ''],
    ];
    process.stdout.write(`\n${table.map((row) => `| ${row.join(' | ')} |`).join('\n')}\n`);
  } finally {
    for (const g of gateways) if (g.child.exitCode === null) process.kill(g.child.pid!, 'SIGKILL');
    broker?.kill('SIGTERM');
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = process.argv[2];
if (role === 'publisher') {
  await runPublisher(JSON.parse(process.argv[3]) as PublishJob);
  process.exit(0);
} else if (role === 'counter') await runCounter(process.argv[3]);
else {
  await main();
  process.exit(0);
}
