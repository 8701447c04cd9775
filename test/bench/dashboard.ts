import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import mqtt from 'mqtt';
import pg from 'pg';
import { loadConfig } from '#app/config';
import { hashPassword, newSecret } from '#app/crypto';
import { runMigrations } from '#app/db';
import { loadDemoFleet } from '#app/demo-fleet';
import { externalInfrastructure } from '#app/infra';
import { projectFile } from '#app/geo';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { openBrowser } from '../dashboard/browser.js';
import { startMosquitto } from '../ingest/support/mosquitto.js';
import { percentile } from './support.js';

/**
 * The dashboard's budgets, measured in Debian's headless Chromium against the real api and gateway on a
 * fresh database holding the demo fleet (403 cars):
 *
 *   npm run bench:dashboard                 # 3 loads, 20 s of 403 cars moving every second, 20 publishes
 *   BENCH_SECONDS=60 BENCH_PUBLISHES=50 npm run bench:dashboard
 *
 * - first load: from navigation to all 403 markers drawn (signed in, loopback, cold browser cache);
 * - JavaScript shipped: the bundle, gzip -9;
 * - frame time while every car's live row changes each second (as the gateway writes it), from
 *   requestAnimationFrame in the page;
 * - publish → marker: an MQTT position of one car until its marker has moved on screen.
 */
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const PUBLISHES = Number(process.env.BENCH_PUBLISHES ?? 20);
const LOADS = Number(process.env.BENCH_LOADS ?? 3);
const MQTT_PORT = Number(process.env.BENCH_MQTT_PORT ?? 18872);

/** The page's globals the measuring functions use (this project's types carry no DOM). */
interface PageGlobals {
  document: {
    querySelector(s: string): { getAttribute(n: string): string | null } | null;
    querySelectorAll(s: string): { length: number };
  };
  requestAnimationFrame(callback: (t: number) => void): void;
  performance: { now(): number; getEntriesByType(type: string): { startTime: number }[] };
  __frames?: number[];
}

const dbUrl = (name: string) => Object.assign(new URL(SERVER_URL), { pathname: `/${name}` }).toString();
async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
const ms = (v: number) => `${v.toFixed(1)} ms`;
const stats = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${ms(percentile(sorted, 50))}, p95 ${ms(percentile(sorted, 95))}, max ${ms(sorted[sorted.length - 1])} (n=${sorted.length})`;
};

async function main(): Promise<void> {
  const js = readFileSync(projectFile('dist', 'web', 'assets', 'app.js'));
  const css = readFileSync(projectFile('dist', 'web', 'assets', 'app.css'));
  const name = `oversight_bench_dash_${randomBytes(4).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const broker = await startMosquitto(MQTT_PORT);
  const url = dbUrl(name);
  const db = new pg.Pool({ connectionString: url, max: 3 });
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await runMigrations(url);
    await loadDemoFleet(db);
    const { rows: cars } = await db.query<{ terminal_id: string; vehicle_id: string }>(
      'SELECT terminal_id, vehicle_id FROM terminal_bindings WHERE valid_to IS NULL ORDER BY terminal_id',
    );
    const start = (i: number) => ({ lat: 33.9 + (i % 20) * 0.006, lon: 118.25 + Math.floor(i / 20) * 0.008 });
    for (const [i, car] of cars.entries()) {
      await db.query(
        `INSERT INTO vehicle_live (terminal_id, vehicle_id, fix_time, received_at, lat, lon, speed_kmh, ignition,
                                   alarm_flags, valid, online, online_changed_at)
         VALUES ($1, $2, now(), now(), $3, $4, 0, false, 0, true, true, now())`,
        [car.terminal_id, car.vehicle_id, start(i).lat, start(i).lon],
      );
    }
    const password = `Pw-${newSecret(12)}`;
    await db.query(`INSERT INTO users (username, password_hash, roles) VALUES ('bench-centre', $1, '{centre}')`, [
      await hashPassword(password),
    ]);
    const config = loadConfig({ DATABASE_URL: url, MQTT_URL: broker.url, PORT: '0', LOG_LEVEL: 'silent' });
    const infra = externalInfrastructure(url, broker.url, newSecret(48));
    const gateway = await createGatewayContext(config, infra);
    closers.push(() => gateway.close());
    const api = await createApiApp(config, infra);
    await api.listen(0, '127.0.0.1');
    closers.push(() => api.close());
    const origin = `http://127.0.0.1:${(api.getHttpServer().address() as { port: number }).port}`;
    const { accessToken } = (await (
      await fetch(`${origin}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'bench-centre', password }),
      })
    ).json()) as { accessToken: string };

    console.log(`dashboard benchmark · ${cpus().length} cores · load ${loadavg()[0].toFixed(2)} · ${cars.length} cars`);
    console.log(
      `JavaScript shipped: ${(js.length / 1024).toFixed(1)} kB, ${(gzipSync(js, { level: 9 }).length / 1024).toFixed(1)} kB gzip; ` +
        `CSS ${(gzipSync(css, { level: 9 }).length / 1024).toFixed(1)} kB gzip`,
    );

    // First load: a fresh browser each time (cold cache), token already in the session like after sign-in.
    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const browser = await openBrowser(origin);
      await browser.page.goto(`${origin}/404-warm-origin`).catch(() => undefined);
      await browser.page.evaluate(
        (token) =>
          (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
            'oversight.session',
            token,
          ),
        accessToken,
      );
      const t0 = performance.now();
      await browser.page.goto(`${origin}/#/map`);
      await browser.page.waitForFunction(
        (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('path.car[data-vehicle]').length === n,
        cars.length,
        { polling: 'raf', timeout: 30_000 },
      );
      loads.push(performance.now() - t0);
      if (i < LOADS - 1) await browser.close();
      else closers.push(() => browser.close());
    }
    console.log(`first load to ${cars.length} markers: ${stats(loads)}`);
    const browser = await openBrowser(origin);
    closers.push(() => browser.close());
    await browser.page.goto(`${origin}/404-warm-origin`).catch(() => undefined);
    await browser.page.evaluate(
      (token) =>
        (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem(
          'oversight.session',
          token,
        ),
      accessToken,
    );
    await browser.page.goto(`${origin}/#/map`);
    await browser.page.waitForFunction(
      (n) => (globalThis as unknown as PageGlobals).document.querySelectorAll('path.car[data-vehicle]').length === n,
      cars.length,
    );
    const page = browser.page;

    // Frame time: every car moves a little each second, written as the gateway writes the live state.
    await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      g.__frames = [];
      let last = g.performance.now();
      const tick = (t: number) => {
        g.__frames!.push(t - last);
        last = t;
        g.requestAnimationFrame(tick);
      };
      g.requestAnimationFrame(tick);
    });
    const movedAt = Date.now();
    for (let s = 0; s < SECONDS; s++) {
      const t = performance.now();
      await db.query(
        `UPDATE vehicle_live SET lat = lat + 0.0004 * sin($1::float + hashtext(terminal_id)),
                lon = lon + 0.0004 * cos($1::float + hashtext(terminal_id)), speed_kmh = 30, fix_time = now(),
                received_at = now()`,
        [s],
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - t))));
    }
    const frames = (await page.evaluate(() => (globalThis as unknown as PageGlobals).__frames!)).slice(5);
    const moving = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.querySelectorAll('path.car-moving').length,
    );
    console.log(
      `frame time while ${cars.length} markers update every second for ${((Date.now() - movedAt) / 1000).toFixed(0)} s: ` +
        `${stats(frames)}; frames over 50 ms: ${frames.filter((f) => f > 50).length}; markers shown moving: ${moving}`,
    );

    // Publish → marker: one car over MQTT through the gateway, the live state, the stream and the map.
    const terminal = await mqtt.connectAsync(broker.url, { clientId: `bench-terminal-${process.pid}` });
    closers.push(() => terminal.endAsync());
    const car = cars[0];
    const latencies: number[] = [];
    const selector = `path.car[data-vehicle="${car.vehicle_id}"]`;
    for (let i = 0; i < PUBLISHES + 2; i++) {
      const before = await page.evaluate(
        (s) => (globalThis as unknown as PageGlobals).document.querySelector(s)?.getAttribute('d') ?? null,
        selector,
      );
      const t0 = performance.now();
      await terminal.publishAsync(
        `telematics/v1/${car.terminal_id}/position`,
        JSON.stringify({
          fixTime: Date.now() - 200,
          lat: 33.95 + (i % 2) * 0.01,
          lon: 118.3 + i * 0.002,
          speedKmh: 40,
        }),
        { qos: 1 },
      );
      const moved = await page
        .waitForFunction(
          ([s, d]) => (globalThis as unknown as PageGlobals).document.querySelector(s)?.getAttribute('d') !== d,
          [selector, before] as const,
          {
            polling: 'raf',
            timeout: 10_000,
          },
        )
        .then(() => true)
        .catch(() => false);
      // The first publishes may land before the gateway's subscription is in place.
      if (moved && i >= 2) latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 400));
    }
    console.log(`publish → marker moved: ${stats(latencies)}`);
    console.log(`requests to other origins: ${browser.foreignRequests.length}`);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await db.end();
    await broker.destroy();
    await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
