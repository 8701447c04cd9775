/**
 * JT/T 808 benchmark.
 *
 *   npm run bench:jt808
 *
 * 1. Decode: frames per second through the splitter, frame decoder and location decoder, on one core.
 * 2. End to end: a fresh database with BENCH_JT808_TERMINALS terminals (default 10,000), each bound to its car;
 *    Mosquitto on its own port (the gateway's hand-off goes there); the real gateway as a child process; a
 *    client process holding one TCP connection per terminal. Steady: every terminal reports once within
 *    BENCH_STEADY_S (default 30 s, the usual report interval). Burst: every terminal then sends BENCH_BURST
 *    (default 10) reports back to back. Latency = frame written → its 0x8001 read, on the client (the 0x8001
 *    leaves only after the commit). Loss = acknowledged − rows stored.
 * 3. The MQTT path in the same run: the same number of positions as the burst, published QoS 1 over 8
 *    connections to the same gateway; committed per second seen by a hand-off subscriber.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { hashSecret } from '#app/crypto';
import { runMigrations } from '#app/db';
import { HANDOFF_TOPIC_FILTER, type HandoffBatch } from '#app/handoff';
import {
  authenticationBody,
  decodeFrame,
  decodeLocationMessage,
  encodeFrame,
  FrameSplitter,
  locationBody,
  MSG,
  type Edition,
} from '#app/jt808';
import { waitForPort } from '../ingest/support/mosquitto.js';
import { freePort } from '../support/service-process.js';
import { createBenchDatabase, quantile, seedBoundTerminals, startBenchMosquitto, startFlags } from './support.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(SELF, '../../../..');
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TERMINALS = Number(process.env.BENCH_JT808_TERMINALS ?? 10_000);
const STEADY_S = Number(process.env.BENCH_STEADY_S ?? 30);
const BURST = Number(process.env.BENCH_BURST ?? 10);
const DECODE_S = Number(process.env.BENCH_DECODE_S ?? 3);
const CODE = 'bench-code';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const phone = (i: number) => `137${String(i).padStart(8, '0')}`;
const editionOf = (i: number): Edition => (i % 2 ? 2019 : 2013);
/** Fix times: an hour back, one second apart per report of a terminal. */
const BASE = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

// ---------------------------------------------------------------- 1. decode on one core
function decodeRate(): { framesPerS: number; frames: number } {
  const stream = Buffer.concat(
    Array.from({ length: 2000 }, (_, i) =>
      encodeFrame({
        msgId: MSG.LOCATION,
        edition: editionOf(i),
        phone: phone(i),
        serial: i,
        body: locationBody({
          lat: 33.9 + i / 1e5,
          lon: 118.3,
          speedKmh: 40,
          direction: 90,
          fixTime: BASE + i * 1000,
          status: 3,
          items: [
            { id: 0x01, value: Buffer.from('00012345', 'hex') },
            { id: 0x30, value: Buffer.from([20]) },
            { id: 0x31, value: Buffer.from([11]) },
          ],
        }),
      }),
    ),
  );
  const receivedAt = Date.now();
  let frames = 0;
  const started = performance.now();
  const until = started + DECODE_S * 1000;
  while (performance.now() < until) {
    const splitter = new FrameSplitter();
    // TCP hands data over in chunks of a few KiB.
    for (let at = 0; at < stream.length; at += 4096) {
      for (const split of splitter.push(stream.subarray(at, at + 4096))) {
        const frame = decodeFrame(split.content);
        if (!frame.ok) throw new Error(frame.detail);
        if (decodeLocationMessage(frame.frame, receivedAt).positions.length !== 1) throw new Error('not decoded');
        frames++;
      }
    }
  }
  return { frames, framesPerS: frames / ((performance.now() - started) / 1000) };
}

// ---------------------------------------------------------------- client process: the terminals
interface ClientResult {
  connected: number;
  connectS: number;
  steady: { sent: number; acked: number; p50: number; p99: number; max: number };
  burst: { sent: number; acked: number; seconds: number; p50: number; p99: number; max: number };
}

async function runTerminals(port: number): Promise<void> {
  const sockets: Socket[] = [];
  const sentAt = new Map<number, number>(); // terminal index × 65536 + serial → ms
  const serials = new Int32Array(TERMINALS);
  let acked = 0;
  let latencies: number[] = [];
  let authed = 0;
  const started = Date.now();
  const send = (i: number, msgId: number, body: Buffer) => {
    const serial = serials[i]++ & 0xffff;
    sentAt.set(i * 65536 + serial, performance.now());
    sockets[i].write(encodeFrame({ msgId, edition: editionOf(i), phone: phone(i), serial, body }));
  };
  const BATCH = 500;
  for (let from = 0; from < TERMINALS; from += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, TERMINALS - from) }, (_, k) => {
        const i = from + k;
        return new Promise<void>((done, fail) => {
          const socket = connect({ host: '127.0.0.1', port, noDelay: true });
          sockets[i] = socket;
          const splitter = new FrameSplitter();
          socket.once('error', fail);
          socket.on('data', (chunk: Buffer) => {
            for (const split of splitter.push(chunk)) {
              const frame = decodeFrame(split.content);
              if (!frame.ok || frame.frame.header.msgId !== MSG.PLATFORM_RESPONSE) continue;
              const body = frame.frame.body;
              const key = i * 65536 + body.readUInt16BE(0);
              const t0 = sentAt.get(key);
              if (t0 === undefined) continue;
              sentAt.delete(key);
              if (body.readUInt16BE(2) === MSG.AUTHENTICATE) {
                if (body[4] !== 0) return fail(new Error(`terminal ${phone(i)} refused`));
                authed++;
                done();
                continue;
              }
              if (body[4] === 0) acked++;
              latencies.push(performance.now() - t0);
            }
          });
          socket.once('connect', () =>
            send(i, MSG.AUTHENTICATE, authenticationBody(CODE, editionOf(i), '860000000000000', 'bench')),
          );
        });
      }),
    );
  }
  const connectS = (Date.now() - started) / 1000;
  const stats = (sent: number) => {
    const sorted = Float64Array.from(latencies).sort();
    return { sent, acked, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
  };
  const report = (i: number, k: number) =>
    send(
      i,
      MSG.LOCATION,
      locationBody({
        lat: 33.9 + (i % 1000) / 1e4,
        lon: 118.3,
        speedKmh: 40,
        direction: 90,
        fixTime: BASE + k * 1000,
        status: 3,
      }),
    );
  const waitAcked = async (n: number, ms: number) => {
    const deadline = Date.now() + ms;
    while (acked < n && Date.now() < deadline) await sleep(20);
  };

  // Steady: each terminal once, spread over STEADY_S.
  acked = 0;
  latencies = [];
  const steadyStart = Date.now();
  for (let i = 0; i < TERMINALS; i++) {
    const due = steadyStart + (i / TERMINALS) * STEADY_S * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    report(i, 0);
  }
  await waitAcked(TERMINALS, 60_000);
  const steady = stats(TERMINALS);

  // Burst: every terminal sends BURST reports back to back.
  acked = 0;
  latencies = [];
  const burstStart = performance.now();
  for (let k = 1; k <= BURST; k++) for (let i = 0; i < TERMINALS; i++) report(i, k);
  await waitAcked(TERMINALS * BURST, 120_000);
  const burstSeconds = (performance.now() - burstStart) / 1000;
  const burst = { ...stats(TERMINALS * BURST), seconds: burstSeconds };
  for (const s of sockets) s.destroy();
  const result: ClientResult = { connected: authed, connectS, steady, burst };
  process.send!(result);
}

// ---------------------------------------------------------------- client process: the MQTT path
async function runMqtt(url: string, total: number): Promise<void> {
  const clients = await Promise.all(
    Array.from({ length: 8 }, (_, c) =>
      mqtt.connectAsync(url, { clientId: `bench-jt808-mqtt-${process.pid}-${c}`, clean: true }),
    ),
  );
  let next = 0;
  // Timed from here: connecting is not part of the figure (nor is it for the JT/T 808 burst).
  process.send!({ started: Date.now() });
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((done) => {
          let inFlight = 0;
          const pump = () => {
            if (next >= total && inFlight === 0) return done();
            while (inFlight < 1000 && next < total) {
              const n = next++;
              const i = n % TERMINALS;
              const k = Math.floor(n / TERMINALS);
              inFlight++;
              client.publish(
                `telematics/v1/${phone(i)}/position`,
                JSON.stringify({
                  fixTime: BASE + 1_800_000 + k * 1000,
                  lat: 33.9 + (i % 1000) / 1e4,
                  lon: 118.3,
                  speedKmh: 40,
                  headingDeg: 90,
                  valid: true,
                  ignition: true,
                }),
                { qos: 1 },
                () => {
                  inFlight--;
                  if (next >= total && inFlight === 0) done();
                  else if (inFlight < 500) setImmediate(pump);
                },
              );
            }
          };
          pump();
        }),
    ),
  );
  await Promise.all(clients.map((c) => c.endAsync()));
  process.send!({ published: total });
}

function child<T>(args: string[], onStarted?: (at: number) => void): Promise<T> {
  const c = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<T>((done, fail) => {
    c.on('message', (m: Record<string, unknown>) => {
      if (typeof m.started === 'number') onStarted?.(m.started);
      else done(m as T);
    });
    c.once('exit', (code) => (code ? fail(new Error(`${args[0]} exited with ${code}`)) : undefined));
  });
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}`;
  console.log(
    `JT/T 808 benchmark on ${machine}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}`,
  );
  const decode = decodeRate();
  console.log(
    `decode, one core: ${Math.round(decode.framesPerS).toLocaleString('en')} frames/s (0x0200 with 3 items, both editions, split from 4 KiB chunks)`,
  );

  const { admin, dbName, databaseUrl } = await createBenchDatabase(SERVER);
  const dir = mkdtempSync(join(tmpdir(), 'bench-jt808-'));
  let broker: ChildProcess | undefined;
  let gateway: ChildProcess | undefined;
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    await runMigrations(databaseUrl);
    await seedBoundTerminals(db, TERMINALS, '137', 8);
    // Registered beforehand (one code for all): the run measures reporting, not sign-on.
    await db.query(`INSERT INTO jt808_auth_codes (terminal_id, code_hash) SELECT terminal_id, $1 FROM terminals`, [
      hashSecret(CODE),
    ]);

    const mqttPort = await freePort();
    // The deployment's limits, as in bench:ingest.
    broker = await startBenchMosquitto(ROOT, dir, mqttPort);
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    const jt808Port = await freePort();
    gateway = spawn(
      process.execPath,
      [...startFlags(ROOT, 'start:gateway'), join(ROOT, 'dist/apps/gateway/src/main.js')],
      {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          MQTT_URL: url,
          JT808_PORT: String(jt808Port),
          JT808_HOST: '127.0.0.1',
          LOG_LEVEL: process.env.BENCH_GATEWAY_LOG_LEVEL ?? 'warn',
          INGEST_CLIENT_ID: 'bench-jt808-gateway',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    await waitForPort(jt808Port, true, 30_000);

    const observer = await mqtt.connectAsync(url, { clientId: 'bench-jt808-observer', clean: true });
    // Positions that came over MQTT carry fix times from BASE + 30 min on.
    let committed = 0;
    let lastCommitAt = 0;
    observer.on('message', (_topic, payload) => {
      const { data } = JSON.parse(payload.toString()) as { data: HandoffBatch };
      const mqttRows = data.rows.filter((row) => Number(row[2]) >= BASE + 1_800_000).length;
      if (mqttRows === 0) return;
      committed += mqttRows;
      lastCommitAt = Date.now();
    });
    await observer.subscribeAsync(HANDOFF_TOPIC_FILTER, { qos: 0 });

    const jt = await child<ClientResult>(['terminals', String(jt808Port)]);
    const jtStored = Number((await db.query('SELECT count(*) AS n FROM positions')).rows[0].n);
    const jtAcked = jt.steady.acked + jt.burst.acked;
    const jtRate = jt.burst.acked / jt.burst.seconds;
    console.log(
      `terminals connected and authenticated: ${jt.connected.toLocaleString('en')} in ${jt.connectS.toFixed(1)} s`,
    );
    console.log(
      `steady (each once in ${STEADY_S} s): ${jt.steady.acked.toLocaleString('en')}/${jt.steady.sent.toLocaleString('en')} acknowledged; frame → 0x8001 p50 ${jt.steady.p50.toFixed(0)} ms, p99 ${jt.steady.p99.toFixed(0)} ms, max ${jt.steady.max.toFixed(0)} ms`,
    );
    console.log(
      `burst (${BURST} back to back each): ${jt.burst.acked.toLocaleString('en')} in ${jt.burst.seconds.toFixed(1)} s = ${Math.round(jtRate).toLocaleString('en')} positions/s committed and acknowledged; frame → 0x8001 p50 ${jt.burst.p50.toFixed(0)} ms, p99 ${jt.burst.p99.toFixed(0)} ms, max ${jt.burst.max.toFixed(0)} ms`,
    );
    console.log(
      `loss: acknowledged ${jtAcked.toLocaleString('en')} − stored ${jtStored.toLocaleString('en')} = ${jtAcked - jtStored}`,
    );

    const total = TERMINALS * BURST;
    await sleep(1000);
    const before = committed;
    let mqttStart = Date.now();
    await child(['mqtt', url, String(total)], (at) => (mqttStart = at));
    const deadline = Date.now() + 120_000;
    while (committed - before < total && Date.now() < deadline) await sleep(20);
    const mqttSeconds = (lastCommitAt - mqttStart) / 1000;
    const mqttRate = (committed - before) / mqttSeconds;
    const allStored = Number((await db.query('SELECT count(*) AS n FROM positions')).rows[0].n);
    console.log(
      `MQTT, same gateway, same run: ${(committed - before).toLocaleString('en')} positions committed in ${mqttSeconds.toFixed(1)} s = ${Math.round(mqttRate).toLocaleString('en')} positions/s; stored ${(allStored - jtStored).toLocaleString('en')}`,
    );
    console.log(`JT/T 808 burst / MQTT: ${(jtRate / mqttRate).toFixed(2)}`);
    console.log(
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}`,
    );
    await observer.endAsync();
  } finally {
    gateway?.kill('SIGTERM');
    await new Promise((r) => (gateway ? gateway.once('exit', r) : r(null)));
    broker?.kill('SIGTERM');
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

const [role, a, b] = process.argv.slice(2);
if (role === 'terminals') await runTerminals(Number(a));
else if (role === 'mqtt') await runMqtt(a, Number(b));
else await main();
