/**
 * Ingest benchmark: simulated terminals → Mosquitto (deployment limits) → gateway → PostgreSQL.
 *
 *   npm run bench:ingest
 *
 * Phases, in one run: (A) full-speed publishing for 60 s — positions committed per second end to end;
 * (B) publishing paced at 10,000 positions/s — publish → commit latency; (D) full speed again (BENCH_FUZZ_S,
 * default 30 s; 0 skips it) with every other message a generated bad one — the fuzzer's inputs, sent under
 * registered terminals of their own — to show whether the gateway keeps its rate while it rejects and
 * records them; (C) the broker alone, the same publisher into a plain counting subscriber — the raw rate
 * that (A) is compared with.
 *
 * Honest timing: each position's fixTime is its publish time (ms); the gateway hands positions to the
 * detector only after their COMMIT, so a hand-off subscriber that sees a position at time t knows it was
 * committed before t. Latency = t − fixTime is therefore an upper bound of publish → commit.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import {
  cpuSeconds,
  createBenchDatabase,
  quantile,
  seedBoundTerminals,
  startBenchMosquitto,
  startFlags,
} from './support.js';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { runMigrations } from '#app/db';
import { HANDOFF_TOPIC_FILTER, type HandoffBatch } from '#app/handoff';
import fc from 'fast-check';
import { fuzzInput, type FuzzInput } from '../fuzz/telemetry-fuzz.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(SELF, '../../../..');
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PORT = Number(process.env.BENCH_MQTT_PORT ?? 18849);
const TERMINALS = Number(process.env.BENCH_TERMINALS ?? 10_000);
const THROUGHPUT_S = Number(process.env.BENCH_THROUGHPUT_S ?? 60);
const LATENCY_S = Number(process.env.BENCH_LATENCY_S ?? 30);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 10_000);
const RAW_S = Number(process.env.BENCH_RAW_S ?? 20);
const FUZZ_S = Number(process.env.BENCH_FUZZ_S ?? 30);
/** Registered terminals that carry the generated bad messages of phase D (ids F0000…). */
const FUZZ_TERMINALS = 1000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const WINDOW = 1000;
/** Published but not yet committed, at most (phase A). */
const MAX_BACKLOG = Number(process.env.BENCH_MAX_BACKLOG ?? 40_000);

const terminalId = (i: number) => `B${String(i).padStart(5, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- publisher process
interface PublishJob {
  url: string;
  prefix: 'telematics/v1' | 'bench/raw';
  seconds: number;
  /** 0 = as fast as the broker acknowledges. */
  rate: number;
  connections: number;
  terminals: number;
  seqStart: number;
  /** Every other message a generated bad one (phase D). */
  fuzz?: boolean;
}

/**
 * Generated messages (fixed seed) that reach the gateway's subscription: topics of the kinds it subscribes
 * to, nine in ten under one of the registered fuzz terminals so that they get past the registry to the
 * decoders, the rest under whatever id the generator made.
 */
function fuzzPool(size: number): FuzzInput[] {
  // MQTT forbids wildcards and U+0000 in a published topic name.
  const deliverable = (topic: string) =>
    /^telematics\/v1\/[^/+#]+\/(position|positions|status)$/.test(topic) && !topic.includes('\u0000');
  return fc
    .sample(fuzzInput, { numRuns: size * 3, seed: 7 })
    .filter((input) => deliverable(input.topic))
    .slice(0, size)
    .map((input, i) =>
      i % 10 === 9
        ? input
        : {
            ...input,
            topic: input.topic.replace(/^(telematics\/v1\/)[^/]+/, `$1F${String(i % FUZZ_TERMINALS).padStart(4, '0')}`),
          },
    );
}

async function runPublisher(job: PublishJob): Promise<void> {
  const clients = await Promise.all(
    Array.from({ length: job.connections }, (_, c) =>
      mqtt.connectAsync(job.url, {
        clientId: `bench-pub-${process.pid}-${c}`,
        clean: true,
        reconnectPeriod: 0,
        // MQTT 5 carries the generated content types of phase D.
        protocolVersion: job.fuzz ? 5 : 4,
      }),
    ),
  );
  const pool = job.fuzz ? fuzzPool(20_000) : [];
  let nextFuzz = 0;
  const lastFix = new Map<number, number>();
  let seq = job.seqStart;
  let next = 0;
  let sent = 0;
  let acked = 0;
  const started = Date.now();
  const ends = started + job.seconds * 1000;
  // The parent holds the publisher back while too much is published but not yet committed, so a
  // full-speed run measures what the pipeline sustains instead of how fast the broker's queue grows.
  let held = false;
  process.on('message', (m: { hold?: boolean }) => (held = m.hold === true));
  const progress = setInterval(() => process.send!({ progress: acked }), 100);
  const payload = (): { topic: string; body: string | Buffer; contentType?: string } => {
    if (job.fuzz && (next + nextFuzz) % 2 === 1) {
      const input = pool[nextFuzz++ % pool.length];
      return { topic: input.topic, body: Buffer.from(input.payload), contentType: input.contentType };
    }
    const t = next++ % job.terminals;
    const fixTime = Math.max(Date.now(), (lastFix.get(t) ?? 0) + 1);
    lastFix.set(t, fixTime);
    return {
      topic: `${job.prefix}/${terminalId(t)}/position`,
      body: JSON.stringify({
        fixTime,
        lat: 31 + (t % 1000) / 10_000,
        lon: 121 + (seq % 1000) / 10_000,
        speedKmh: 40,
        headingDeg: 90,
        satellites: 11,
        ignition: true,
        seq: seq++,
      }),
    };
  };
  await Promise.all(
    clients.map(
      (client, c) =>
        new Promise<void>((done) => {
          let inFlight = 0;
          let finished = false;
          const perConnection = job.rate / job.connections;
          let mine = 0;
          const pump = () => {
            if (finished) return;
            const now = Date.now();
            if (now >= ends) {
              finished = true;
              const wait = () => (inFlight === 0 ? done() : setTimeout(wait, 5));
              return wait();
            }
            const due = job.rate > 0 ? Math.floor(((now - started) / 1000) * perConnection) - mine : Infinity;
            let budget = held ? 0 : Math.min(WINDOW - inFlight, due);
            while (budget-- > 0) {
              const { topic, body, contentType } = payload();
              inFlight++;
              mine++;
              sent++;
              const properties = contentType ? { properties: { contentType } } : {};
              client.publish(topic, body, { qos: 1, ...properties }, () => {
                inFlight--;
                acked++;
                if (job.rate === 0 && inFlight === WINDOW / 2) setImmediate(pump);
              });
            }
            setTimeout(pump, job.rate > 0 ? 5 : 1);
          };
          void c;
          pump();
        }),
    ),
  );
  clearInterval(progress);
  await Promise.all(clients.map((client) => client.endAsync()));
  process.send!({ sent, acked, seconds: (Date.now() - started) / 1000, seqEnd: seq });
}

// ---------------------------------------------------------------- raw counting subscriber process
async function runCounter(url: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-raw-counter-${process.pid}`, clean: true });
  let received = 0;
  let first = 0;
  let last = 0;
  let cpuAtFirst = process.cpuUsage();
  client.on('message', () => {
    if (received++ === 0) {
      first = Date.now();
      cpuAtFirst = process.cpuUsage();
    }
    last = Date.now();
  });
  await client.subscribeAsync('bench/raw/#', { qos: 1 });
  process.send!({ ready: true });
  process.on('message', async () => {
    await client.endAsync();
    const cpu = process.cpuUsage(cpuAtFirst);
    process.send!({ received, seconds: (last - first) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  });
}

function runChild<T>(
  args: string[],
  onReady?: () => void,
  onProgress?: (acked: number) => void,
): { child: ChildProcess; result: Promise<T> } {
  const child = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const result = new Promise<T>((resolveResult, reject) => {
    child.on('message', (message: Record<string, unknown>) => {
      if (message.ready) onReady?.();
      else if (typeof message.progress === 'number') onProgress?.(message.progress);
      else resolveResult(message as T);
    });
    child.once('exit', (code) => (code ? reject(new Error(`${args[0]} exited with ${code}`)) : undefined));
  });
  return { child, result };
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}`;
  const { admin, dbName, databaseUrl } = await createBenchDatabase(SERVER);
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  let broker: ChildProcess | undefined;
  let gateway: ChildProcess | undefined;
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await runMigrations(databaseUrl);
    await seedBoundTerminals(db, TERMINALS, 'B', 5);
    await db.query(
      `INSERT INTO terminals (terminal_id, secret_hash)
       SELECT 'F' || lpad(g::text, 4, '0'), 'x' FROM generate_series(0, $1::int - 1) g`,
      [FUZZ_TERMINALS],
    );

    broker = await startBenchMosquitto(ROOT, dir, PORT);
    const url = `mqtt://127.0.0.1:${PORT}`;

    // The node flags `npm run start:gateway` uses, plus any given for the run (e.g. a CPU profile).
    const nodeFlags = [
      ...startFlags(ROOT, 'start:gateway'),
      ...(process.env.BENCH_GATEWAY_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ];
    gateway = spawn(process.execPath, [...nodeFlags, join(ROOT, 'dist/apps/gateway/src/main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        MQTT_URL: url,
        LOG_LEVEL: process.env.BENCH_GATEWAY_LOG_LEVEL ?? 'warn',
        INGEST_CLIENT_ID: 'bench-gateway',
        // The JT/T 808 listener is not measured here.
        JT808_PORT: '0',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });

    // The hand-off subscriber: sees each position after its commit.
    const observer = await mqtt.connectAsync(url, { clientId: 'bench-observer', clean: true });
    let committed = 0;
    let phase: 'A' | 'B' | 'idle' = 'idle';
    let phaseBStart = Infinity;
    const latencies = new Float64Array(LATENCY_RATE * (LATENCY_S + 10));
    let nLatency = 0;
    let lastCommitAt = 0;
    let dropped = 0;
    let droppedBase: number | undefined;
    observer.on('message', (topic, payload) => {
      if (topic.startsWith('$SYS')) {
        const value = Number(payload.toString());
        droppedBase ??= value;
        dropped = value - droppedBase;
        return;
      }
      const now = Date.now();
      const { data } = JSON.parse(payload.toString()) as { data: HandoffBatch };
      committed += data.rows.length;
      lastCommitAt = now;
      if (phase === 'B') {
        for (const row of data.rows) {
          const fixTime = row[2];
          if (fixTime >= phaseBStart && nLatency < latencies.length) latencies[nLatency++] = now - fixTime;
        }
      }
    });
    await observer.subscribeAsync([HANDOFF_TOPIC_FILTER, '$SYS/broker/publish/messages/dropped'], { qos: 0 });

    // Wait until the gateway's subscription exists.
    const probe = await mqtt.connectAsync(url, { clientId: 'bench-probe' });
    for (let i = 0; committed === 0; i++) {
      if (i > 300) throw new Error('the gateway did not start consuming');
      await probe.publishAsync(
        `telematics/v1/${terminalId(0)}/position`,
        JSON.stringify({ fixTime: Date.now() - 60_000 + i, lat: 1, lon: 1 }),
        { qos: 1 },
      );
      await sleep(100);
    }
    await probe.endAsync();
    await sleep(500);
    const baseline = committed;
    process.stdout.write(`machine: ${machine}; ${TERMINALS} terminals over ${CONNECTIONS} publisher connections\n`);

    // (A) throughput
    const pgPids = async () =>
      (
        await db.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        )
      ).rows.map((r) => r.pid);
    const cpuOf = async (publisherPid?: number) => ({
      gateway: cpuSeconds(gateway?.pid),
      broker: cpuSeconds(broker?.pid),
      postgres: (await pgPids()).reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      publisher: cpuSeconds(publisherPid),
      observer: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    });
    const cpuBefore = await cpuOf();
    phase = 'A';
    const aStart = Date.now();
    let aHeld = false;
    const a = runChild<{ sent: number; acked: number; seconds: number; seqEnd: number }>(
      [
        'publisher',
        JSON.stringify({
          url,
          prefix: 'telematics/v1',
          seconds: THROUGHPUT_S,
          rate: 0,
          connections: CONNECTIONS,
          terminals: TERMINALS,
          seqStart: 0,
        } satisfies PublishJob),
      ],
      undefined,
      (acked) => {
        const backlog = acked - (committed - baseline);
        const hold = backlog > MAX_BACKLOG;
        if (hold !== aHeld && a.child.connected) a.child.send({ hold });
        aHeld = hold;
      },
    );
    const perSecond: number[] = [];
    let prev = committed;
    const sampler = setInterval(() => {
      perSecond.push(committed - prev);
      prev = committed;
    }, 1000);
    let cpuPublisher = 0;
    const publisherPid = a.child.pid;
    const cpuTimer = setInterval(() => (cpuPublisher = cpuSeconds(publisherPid) || cpuPublisher), 200);
    const aPub = await a.result;
    clearInterval(cpuTimer);
    const aWindowEnd = Date.now();
    const committedInWindow = committed - baseline;
    const target = baseline + aPub.acked;
    const drainDeadline = Date.now() + 120_000;
    while (committed < target && Date.now() < drainDeadline) await sleep(100);
    clearInterval(sampler);
    const aDrained = lastCommitAt;
    const cpuAfter = await cpuOf();
    const aCommitted = committed - baseline;
    const cpuPer1000 = (part: number) => ((part * 1000) / aCommitted).toFixed(3);
    const sustained = committedInWindow / ((aWindowEnd - aStart) / 1000);
    const overall = (committed - baseline) / ((aDrained - aStart) / 1000);
    const steady = perSecond.slice(5, THROUGHPUT_S - 1).sort((x, y) => x - y);
    const medianPerSecond = steady.length ? steady[Math.floor(steady.length / 2)] : NaN;

    // (B) latency at a fixed rate
    await sleep(2000);
    phaseBStart = Date.now();
    phase = 'B';
    const bBase = committed;
    const b = runChild<{ sent: number; acked: number; seconds: number; seqEnd: number }>([
      'publisher',
      JSON.stringify({
        url,
        prefix: 'telematics/v1',
        seconds: LATENCY_S,
        rate: LATENCY_RATE,
        connections: CONNECTIONS,
        terminals: TERMINALS,
        seqStart: aPub.seqEnd,
      } satisfies PublishJob),
    ]);
    const bPub = await b.result;
    const bDeadline = Date.now() + 120_000;
    while (committed < bBase + bPub.acked && Date.now() < bDeadline) await sleep(100);
    phase = 'idle';
    const bRate = bPub.sent / bPub.seconds;
    const sorted = latencies.slice(0, nLatency).sort();

    const published = aPub.acked + bPub.acked;
    const { rows: stored } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM positions WHERE seq IS NOT NULL AND seq < $1`,
      [bPub.seqEnd],
    );
    const { rows: rejected } = await db.query<{ n: string }>('SELECT count(*) AS n FROM rejected_messages');
    const loss = published - Number(stored[0].n);

    // (D) full speed with every other message a generated bad one
    let d:
      { messagesPerSecond: number; validPerSecond: number; rejected: number; stored: number; loss: number } | undefined;
    if (FUZZ_S > 0) {
      await sleep(2000);
      const rejectedCount = async () =>
        Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM rejected_messages')).rows[0].n);
      const positionCount = async () =>
        Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM positions')).rows[0].n);
      const [rejectedBefore, positionsBefore] = [await rejectedCount(), await positionCount()];
      const dBase = committed;
      const dStart = Date.now();
      let dHeld = false;
      const dRun = runChild<{ sent: number; acked: number; seconds: number; seqEnd: number }>(
        [
          'publisher',
          JSON.stringify({
            url,
            prefix: 'telematics/v1',
            seconds: FUZZ_S,
            rate: 0,
            connections: CONNECTIONS,
            terminals: TERMINALS,
            seqStart: bPub.seqEnd,
            fuzz: true,
          } satisfies PublishJob),
        ],
        undefined,
        (acked) => {
          // Every other message is a valid position: about half of those acknowledged should be committed.
          const hold = acked / 2 - (committed - dBase) > MAX_BACKLOG;
          if (hold !== dHeld && dRun.child.connected) dRun.child.send({ hold });
          dHeld = hold;
        },
      );
      const dPub = await dRun.result;
      const dValid = dPub.seqEnd - bPub.seqEnd;
      // Drained when every valid position is committed and the rejections stop growing.
      const dDeadline = Date.now() + 120_000;
      while (committed - dBase < dValid && Date.now() < dDeadline) await sleep(100);
      let rejectedAfter = await rejectedCount();
      for (let settled = 0; settled < 3 && Date.now() < dDeadline;) {
        await sleep(500);
        const now = await rejectedCount();
        settled = now === rejectedAfter ? settled + 1 : 0;
        rejectedAfter = now;
      }
      const dEnd = Math.max(lastCommitAt, dStart + dPub.seconds * 1000);
      const seconds = (dEnd - dStart) / 1000;
      const storedAll = (await positionCount()) - positionsBefore;
      const { rows: dStored } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM positions WHERE seq >= $1 AND seq < $2 AND terminal_id LIKE 'B%'`,
        [bPub.seqEnd, dPub.seqEnd],
      );
      d = {
        messagesPerSecond: dPub.acked / seconds,
        validPerSecond: (committed - dBase) / seconds,
        rejected: rejectedAfter - rejectedBefore,
        stored: storedAll,
        loss: dValid - Number(dStored[0].n),
      };
    }

    // (C) the broker alone
    gateway.kill('SIGTERM');
    await new Promise((r) => gateway!.once('exit', r));
    gateway = undefined;
    let counterReady!: () => void;
    const ready = new Promise<void>((r) => (counterReady = r));
    const counter = runChild<{ received: number; seconds: number; cpuSeconds: number }>(['counter', url], () =>
      counterReady(),
    );
    await ready;
    const cBrokerBefore = cpuSeconds(broker.pid);
    const c = runChild<{ sent: number; acked: number; seconds: number }>([
      'publisher',
      JSON.stringify({
        url,
        prefix: 'bench/raw',
        seconds: RAW_S,
        rate: 0,
        connections: CONNECTIONS,
        terminals: TERMINALS,
        seqStart: 0,
      } satisfies PublishJob),
    ]);
    let cpuRawPublisher = 0;
    const rawPublisherPid = c.child.pid;
    const cpuRawTimer = setInterval(() => (cpuRawPublisher = cpuSeconds(rawPublisherPid) || cpuRawPublisher), 200);
    const cPub = await c.result;
    clearInterval(cpuRawTimer);
    await sleep(3000);
    const cBroker = cpuSeconds(broker.pid) - cBrokerBefore;
    counter.child.send('stop');
    const raw = await counter.result;
    const rawPer1000 = (part: number) => ((part * 1000) / raw.received).toFixed(3);
    const rawRate = raw.received / raw.seconds;
    await observer.endAsync();

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    const load = loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
    const table = [
      ['measure', 'value'],
      ['machine', machine],
      ['load average at the end (1 / 5 / 15 min)', load],
      ['terminals (topics) / publisher connections', `${fmt(TERMINALS)} / ${CONNECTIONS}`],
      [`A: published in ${THROUGHPUT_S} s (QoS 1, acked by broker)`, fmt(aPub.acked)],
      ['A: publish rate, positions/s', fmt(aPub.acked / aPub.seconds)],
      ['A: committed end to end during the publishing window, positions/s', fmt(sustained)],
      ['A: median of per-second commit counts (s 5…end)', fmt(medianPerSecond)],
      ['A: all committed / time to last commit, positions/s', fmt(overall)],
      [`B: paced publish rate, positions/s`, fmt(bRate)],
      ['B: publish → commit p50, ms', fmt(quantile(sorted, 0.5))],
      ['B: publish → commit p99, ms', fmt(quantile(sorted, 0.99))],
      ['B: publish → commit max, ms', fmt(sorted[sorted.length - 1] ?? NaN)],
      [
        'A: CPU s per 1,000 positions — gateway / broker / PostgreSQL / publisher / hand-off observer',
        [
          cpuPer1000(cpuAfter.gateway - cpuBefore.gateway),
          cpuPer1000(cpuAfter.broker - cpuBefore.broker),
          cpuPer1000(cpuAfter.postgres - cpuBefore.postgres),
          cpuPer1000(cpuPublisher),
          cpuPer1000(cpuAfter.observer - cpuBefore.observer),
        ].join(' / '),
      ],
      ['loss (published − stored), A+B', fmt(loss)],
      ['rejected messages (A+B)', rejected[0].n],
      ...(d
        ? [
            [
              `D: messages acknowledged / time to drain, messages/s (half of them generated bad ones)`,
              fmt(d.messagesPerSecond),
            ],
            ['D: valid positions committed, positions/s', fmt(d.validPerSecond)],
            [
              'D: bad messages recorded as rejected / positions stored (valid and generated)',
              `${fmt(d.rejected)} / ${fmt(d.stored)}`,
            ],
            ['D: loss of valid positions', fmt(d.loss)],
            [
              'ratio D messages/s / A all committed (both to the last commit)',
              `${((d.messagesPerSecond / overall) * 100).toFixed(0)} %`,
            ],
          ]
        : []),
      ['broker dropped ($SYS counter)', fmt(dropped)],
      [`C: raw broker rate (publisher → counting subscriber, ${RAW_S} s), msg/s`, fmt(rawRate)],
      ['C: raw publish rate, msg/s', fmt(cPub.acked / cPub.seconds)],
      ['ratio A (committed in window) / C (raw)', `${((sustained / rawRate) * 100).toFixed(0)} %`],
      [
        'C: CPU s per 1,000 messages — broker / publisher / counting subscriber',
        [rawPer1000(cBroker), rawPer1000(cpuRawPublisher), rawPer1000(raw.cpuSeconds)].join(' / '),
      ],
    ];
    process.stdout.write(`\n${table.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`);
  } finally {
    gateway?.kill('SIGKILL');
    broker?.kill('SIGTERM');
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const role = process.argv[2];
if (role === 'publisher') await runPublisher(JSON.parse(process.argv[3]) as PublishJob);
else if (role === 'counter') await runCounter(process.argv[3]);
else {
  await main();
  process.exit(0);
}
