import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';

import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { waitForPort } from '../ingest/support/mosquitto.js';

/**
 * What saving Mosquitto's state after every change costs, against the 30 s timer it replaces.
 *
 * For each setting a broker of its own (the shipped no-drop limits, persistence on) takes BENCH_MESSAGES
 * QoS 1 positions from one publisher with 100 in flight, in two situations:
 *  - the gateway keeps up (a persistent-session subscriber acknowledges as messages come), and
 *  - the gateway is away (database outage): everything queues, so every save writes a longer queue.
 * It prints messages/s acknowledged to the publisher and the size of the state file at the end.
 *
 *   npm run bench:broker-persistence
 *   BENCH_MESSAGES=50000 npm run bench:broker-persistence
 */
const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const IN_FLIGHT = 100;
const PAYLOAD = JSON.stringify({
  fixTime: '2026-11-26T10:00:00+08:00',
  lat: 32.0603,
  lon: 118.7969,
  speedKmh: 42.5,
  headingDeg: 90,
  ignition: true,
  odometerKm: 12345.6,
  satellites: 11,
  hdop: 0.8,
  padding: 'x'.repeat(120),
});

/** `awayMessages` caps a run whose cost grows with the square of the queue, so the bench ends. */
const SETTINGS: { name: string; lines: string[]; awayMessages?: number }[] = [
  { name: 'every 30 s', lines: ['autosave_interval 30'] },
  { name: 'after every change', lines: ['autosave_on_changes true', 'autosave_interval 1'], awayMessages: 3_000 },
  { name: 'after 100 changes', lines: ['autosave_on_changes true', 'autosave_interval 100'] },
  { name: 'after 1000 changes', lines: ['autosave_on_changes true', 'autosave_interval 1000'] },
];

async function startBroker(port: number, lines: string[]): Promise<{ dir: string; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      readFileSync(resolve('deploy/mosquitto/conf.d/no-drop.conf'), 'utf8'),
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'user root',
      'persistence true',
      `persistence_location ${dir}/`,
      ...lines,
      'log_dest none',
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  await waitForPort(port, true);
  return { dir, child };
}

async function publishAll(url: string, messages: number): Promise<number> {
  const publisher = await mqtt.connectAsync(url, { clientId: 'bench-terminal', protocolVersion: 4 });
  const started = process.hrtime.bigint();
  let next = 0;
  const lane = async () => {
    while (next < messages) {
      next++;
      await publisher.publishAsync('telematics/v1/BENCH-1/position', PAYLOAD, { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await publisher.endAsync();
  return messages / seconds;
}

async function run(port: number, setting: (typeof SETTINGS)[number], gatewayUp: boolean) {
  const { dir, child } = await startBroker(port, setting.lines);
  const url = `mqtt://127.0.0.1:${port}`;
  // The gateway's persistent session exists either way; when it is away its queue grows.
  const gateway = await mqtt.connectAsync(url, { clientId: 'bench-gateway', clean: false, protocolVersion: 4 });
  await gateway.subscribeAsync('telematics/v1/+/position', { qos: 1 });
  let received = 0;
  gateway.on('message', () => received++);
  if (!gatewayUp) await gateway.endAsync();
  const rate = await publishAll(url, gatewayUp ? MESSAGES : Math.min(MESSAGES, setting.awayMessages ?? MESSAGES));
  if (gatewayUp) {
    while (received < MESSAGES) await new Promise((r) => setTimeout(r, 20));
    await gateway.endAsync();
  }
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
  let stateBytes = 0;
  try {
    stateBytes = statSync(join(dir, 'mosquitto.db')).size;
  } catch {
    stateBytes = 0;
  }
  rmSync(dir, { recursive: true, force: true });
  return { rate, stateBytes };
}

const port = 18890 + Math.floor(Math.random() * 100);
console.log(`broker persistence: ${MESSAGES} QoS 1 messages, ${IN_FLIGHT} in flight, ${cpus().length} cores`);
console.log(
  `load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const results: { setting: string; up: number; away: number }[] = [];
for (const setting of SETTINGS) {
  const up = await run(port, setting, true);
  const away = await run(port, setting, false);
  results.push({ setting: setting.name, up: up.rate, away: away.rate });
  console.log(
    `${setting.name.padEnd(30)} gateway keeping up: ${up.rate.toFixed(0).padStart(6)} msg/s   ` +
      `gateway away (all queued): ${away.rate.toFixed(0).padStart(6)} msg/s over ${Math.min(MESSAGES, setting.awayMessages ?? MESSAGES)}, ` +
      `state file ${(away.stateBytes / 1e6).toFixed(1)} MB`,
  );
}
const base = results[0];
for (const r of results.slice(1)) {
  console.log(
    `${r.setting}: ${(r.up / base.up).toFixed(2)}× the old rate while the gateway keeps up, ` +
      `${(r.away / base.away).toFixed(2)}× while it is away`,
  );
}
