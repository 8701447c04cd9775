/**
 * Track API benchmark: one car's positions every 10 s for 31 days, read back over HTTP from the API started as
 * production starts it (`npm run start:api`: its own process, its own pool).
 *
 *   npm run bench:track
 *   BENCH_REQUESTS=21 BENCH_BASELINE_ROOT=/path/to/an/earlier/build npm run bench:track
 *
 * For each form it prints the median and fastest of BENCH_REQUESTS (15) sequential requests, after two to warm
 * up, timed from sending the request to the last byte received (loopback), the bytes per fix on the wire, and the
 * CPU the API process and PostgreSQL spent per request:
 * - 7 days (60,480 fixes): GeoJSON (the default form), GeoJSON gzip, compact identity, compact gzip, compact
 *   brotli, compact gzip thinned with simplify=5;
 * - 31 days (267,840 fixes): compact gzip and GeoJSON gzip, sampling the API's resident memory every 5 ms
 *   during the request (peak RSS above what it held before).
 * Then the 7-day identity answers compressed in this process at several gzip levels and brotli qualities (bytes
 * per fix and median time of five), the figures the API's levels were chosen by; and the week's fixes encoded
 * in the compact form here, all of them and the moving ones alone (bytes per fix, raw and gzip).
 * Raw limits measured in the same run: the service's own COPY statement over the same rows run from this
 * process and read to its end (the database's share: no decoding, no HTTP), and a file of the size of the 7-day
 * compact gzip answer served by a bare node:http server in a process of its own.
 * BENCH_BASELINE_ROOT: the root of another built checkout (dist/ present), whose API is then started on the
 * same database and its default GeoJSON answer timed the same way (the figures before a change).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { hashPassword, newSecret } from '#app/crypto';
import { packPositions, runMigrations } from '#app/db';
import { compactChunk } from '../../apps/api/src/vehicles-track/compact-track.js';
import { batchesOf, TRACK_BATCH } from '../../apps/api/src/vehicles-track/fix-batch.js';
import { JsonBytes } from '../../apps/api/src/vehicles-track/json-bytes.js';
import { GZIP_LEVEL } from '../../apps/api/src/vehicles-track/track-encoding.js';
import { freePort } from '../support/service-process.js';
import { waitForPort } from '../ingest/support/mosquitto.js';
import { createBenchDatabase, percentile, seedBoundTerminals, startFlags } from './support.js';
import { carWeek } from './track-week.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MQTT_URL = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 15);
const WARM_UP = 2;
const BASELINE_ROOT = process.env.BENCH_BASELINE_ROOT;
const DAYS = 31;
const INTERVAL_S = 10;
const START = Date.parse('2026-11-02T00:00:00+08:00');
const WEEK = { from: '2026-11-09T00:00:00+08:00', to: '2026-11-16T00:00:00+08:00' };
const MONTH = { from: '2026-11-02T00:00:00+08:00', to: '2026-12-03T00:00:00+08:00' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (v: number) => `${v.toFixed(0)} ms`;

/** CPU milliseconds (user + system) a process has used so far, from /proc. */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

interface Answer {
  ms: number;
  firstByteMs: number;
  wireBytes: number;
  body: Buffer;
  encoding: string | undefined;
}

/** One GET over a fresh connection, the body kept as it came over the wire (still compressed). */
function get(origin: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const req = request(`${origin}${path}`, { headers, agent: false }, (res) => {
      const firstByteMs = performance.now() - t0;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode !== 200)
          return fail(new Error(`${path}: ${res.statusCode} ${body.toString().slice(0, 300)}`));
        done({
          ms: performance.now() - t0,
          firstByteMs,
          wireBytes: body.length,
          body,
          encoding: res.headers['content-encoding'],
        });
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

/** The body as JSON text, decompressed. */
function plainBody(answer: Answer): Buffer {
  return answer.encoding === 'gzip'
    ? gunzipSync(answer.body)
    : answer.encoding === 'br'
      ? brotliDecompressSync(answer.body)
      : answer.body;
}

/** Fixes in an answer of either form. */
function fixesIn(body: unknown): number {
  const b = body as { fixes?: number; features?: { properties: { kind: string } }[] };
  return b.features ? b.features.filter((f) => f.properties.kind === 'fix').length : b.fixes!;
}

interface Measured {
  name: string;
  median: number;
  fastest: number;
  firstByte: number;
  bytesPerFix: number;
  fixes: number;
  apiCpuMs: number;
  pgCpuMs: number;
  peakRssMb?: number;
  rssBeforeMb?: number;
  /** The JSON text of one answer. */
  text: Buffer;
}

async function main(): Promise<void> {
  const { admin, dbName, databaseUrl } = await createBenchDatabase(SERVER);
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const children: ChildProcess[] = [];
  try {
    await runMigrations(databaseUrl);
    await seedBoundTerminals(db, 1, 'TRK', 4);
    const { rows } = await db.query<{ vehicle_id: string; terminal_id: string }>(
      'SELECT vehicle_id, terminal_id FROM terminal_bindings',
    );
    const car = rows[0];
    const loadStart = performance.now();
    const client = await db.connect();
    try {
      const lines = function* () {
        for (const f of carWeek(START, DAYS, INTERVAL_S, 7)) {
          // Re-uploads after a blind area arrive hours after their fix.
          const received = new Date(f.fixTime + (f.replay ? 3 * 3_600_000 : 800)).toISOString();
          yield (
            `${car.terminal_id}\t${new Date(f.fixTime).toISOString()}\t${car.vehicle_id}\t${received}\t${f.lat}\t` +
            `${f.lon}\t${f.speedKmh}\t${f.headingDeg}\t${f.valid}\t${f.ignition}\t${f.alarmFlags}\t${f.odometerKm}\t` +
            `${f.replay}\n`
          );
        }
      };
      await pipeline(
        Readable.from(lines()),
        client.query(
          copyStreams.from(
            `COPY positions (terminal_id, fix_time, vehicle_id, received_at, lat, lon, speed_kmh, heading_deg, valid,
                             ignition, alarm_flags, odometer_km, replay) FROM STDIN`,
          ),
        ),
      );
      // As in service, where the scheduler packs every hour two hours after it ends: all of the month is packed.
      await packPositions(client, new Date(Date.parse(MONTH.to) + 3 * 3_600_000));
    } finally {
      client.release();
    }
    await db.query('VACUUM ANALYZE position_rows, position_packs');
    const { rows: counted } = await db.query<{ n: string }>('SELECT count(*) n FROM positions');
    const loadS = (performance.now() - loadStart) / 1000;

    const password = `Pw-${newSecret(12)}`;
    await db.query(`INSERT INTO users (username, password_hash, roles) VALUES ('bench-centre', $1, '{centre}')`, [
      await hashPassword(password),
    ]);

    /** Starts an API from a built checkout as `npm run start:api` does and signs in to it. */
    const startApi = async (root: string) => {
      const port = await freePort();
      const child = spawn(
        process.execPath,
        [...startFlags(root, 'start:api'), join(root, 'dist/apps/api/src/main.js')],
        {
          cwd: root,
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl,
            MQTT_URL,
            PORT: String(port),
            JT808_PORT: '0',
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      children.push(child);
      // Only what the API logs as an error is shown (its start-up banner is not).
      child.stdout!.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (/"level":(50|60)\b/.test(line)) console.log(`  api: ${line.slice(0, 300)}`);
        }
      });
      await waitForPort(port, true, 90_000);
      const origin = `http://127.0.0.1:${port}`;
      const res = await fetch(`${origin}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'bench-centre', password }),
      });
      const { accessToken } = (await res.json()) as { accessToken: string };
      return { child, origin, token: accessToken };
    };

    const pgPids = async () =>
      (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName])).rows.map(
        (r) => r.pid,
      );
    /** CPU of the benchmark database's backends: connections that closed meanwhile are left out. */
    const pgCpuSince = async (before: Map<number, number>) =>
      (await pgPids()).reduce((sum, pid) => sum + cpuMs(pid) - (before.get(pid) ?? 0), 0);
    const pgCpuNow = async () => new Map((await pgPids()).map((pid) => [pid, cpuMs(pid)]));

    const measure = async (
      api: { child: ChildProcess; origin: string; token: string },
      name: string,
      range: { from: string; to: string },
      query: string,
      encoding: string | null,
      options: { rss?: boolean; requests?: number } = {},
    ): Promise<Measured> => {
      const path =
        `/api/v1/vehicles/${car.vehicle_id}/track?from=${encodeURIComponent(range.from)}` +
        `&to=${encodeURIComponent(range.to)}${query}`;
      const headers: Record<string, string> = { Authorization: `Bearer ${api.token}` };
      if (encoding) headers['Accept-Encoding'] = encoding;
      const first = await get(api.origin, path, headers);
      const text = plainBody(first);
      const fixes = fixesIn(JSON.parse(text.toString('utf8')));
      for (let i = 1; i < WARM_UP; i++) await get(api.origin, path, headers);
      const n = options.requests ?? REQUESTS;
      const times: number[] = [];
      const firstBytes: number[] = [];
      const apiCpu0 = cpuMs(api.child.pid);
      const pgCpu0 = await pgCpuNow();
      let peak = 0;
      let before = 0;
      for (let i = 0; i < n; i++) {
        let sampler: NodeJS.Timeout | undefined;
        if (options.rss) {
          await sleep(200);
          before = Math.max(before, rssMb(api.child.pid!));
          sampler = setInterval(() => (peak = Math.max(peak, rssMb(api.child.pid!))), 5);
        }
        const answer = await get(api.origin, path, headers);
        if (sampler) clearInterval(sampler);
        times.push(answer.ms);
        firstBytes.push(answer.firstByteMs);
      }
      const sorted = [...times].sort((a, b) => a - b);
      return {
        name,
        median: percentile(sorted, 50),
        fastest: sorted[0],
        firstByte: percentile(
          [...firstBytes].sort((a, b) => a - b),
          50,
        ),
        bytesPerFix: first.wireBytes / fixes,
        fixes,
        apiCpuMs: (cpuMs(api.child.pid) - apiCpu0) / n,
        pgCpuMs: (await pgCpuSince(pgCpu0)) / n,
        ...(options.rss ? { peakRssMb: peak, rssBeforeMb: before } : {}),
        text,
      };
    };

    const print = (m: Measured) =>
      console.log(
        `${m.name.padEnd(42)} median ${ms(m.median).padStart(7)}, fastest ${ms(m.fastest).padStart(7)}, ` +
          `first byte ${ms(m.firstByte).padStart(6)} | ${m.bytesPerFix.toFixed(1).padStart(6)} B/fix ` +
          `(${m.fixes} fixes) | CPU per request: API ${ms(m.apiCpuMs)}, PostgreSQL ${ms(m.pgCpuMs)}` +
          (m.peakRssMb === undefined
            ? ''
            : ` | API RSS ${m.rssBeforeMb!.toFixed(0)} MB before, peak ${m.peakRssMb.toFixed(0)} MB`),
      );

    console.log(
      `track benchmark · ${cpus().length} × ${cpus()[0]?.model ?? '?'} · node ${process.version} · ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' / ')} · ${Number(counted[0].n).toLocaleString('en')} positions of one car ` +
        `(every ${INTERVAL_S} s, ${DAYS} days) loaded in ${loadS.toFixed(0)} s · ${REQUESTS} requests each`,
    );

    // Raw limit 1: the service's statement, run here and read to its end.
    const rawRead = async (range: { from: string; to: string }) => {
      const c = await db.connect();
      try {
        const times: number[] = [];
        for (let i = 0; i < REQUESTS + WARM_UP; i++) {
          const t0 = performance.now();
          const stream = c.query(
            copyStreams.to(
              `COPY (SELECT terminal_id::text, fix_time::timestamptz, lat::float8, lon::float8, speed_kmh::float4,
                            heading_deg::int2, ignition::bool, alarm_flags::int8, odometer_km::float8, valid::bool,
                            replay::bool
                       FROM positions_of_vehicle('${car.vehicle_id}', '${range.from}', '${range.to}')
                      WHERE fix_time >= '${range.from}' AND fix_time < '${range.to}'
                      ORDER BY fix_time, terminal_id) TO STDOUT (FORMAT binary)`,
            ),
          );
          for await (const _chunk of stream);
          if (i >= WARM_UP) times.push(performance.now() - t0);
        }
        const sorted = times.sort((a, b) => a - b);
        return { median: percentile(sorted, 50), fastest: sorted[0] };
      } finally {
        c.release();
      }
    };

    const results: Measured[] = [];
    if (BASELINE_ROOT) {
      const before = await startApi(resolve(BASELINE_ROOT));
      const m = await measure(before, 'before: GeoJSON 7 d (Accept-Encoding: gzip)', WEEK, '', 'gzip, br');
      print(m);
      results.push(m);
      try {
        print(await measure(before, 'before: GeoJSON 31 d', MONTH, '', 'gzip, br', { rss: true, requests: 5 }));
      } catch (error) {
        console.log(`${'before: GeoJSON 31 d'.padEnd(42)} failed: ${(error as Error).message.slice(-80)}`);
      }
      before.child.kill('SIGTERM');
      await new Promise((r) => before.child.once('exit', r));
    }
    const api = await startApi(ROOT);
    // The month first, while the API holds no more memory than it starts with.
    const raw31 = await rawRead(MONTH);
    console.log(
      `${'raw: the COPY alone, 31 d'.padEnd(42)} median ${ms(raw31.median).padStart(7)}, fastest ${ms(raw31.fastest).padStart(7)}`,
    );
    const month = await measure(api, 'compact 31 d, gzip (streamed)', MONTH, '&format=compact', 'gzip', {
      rss: true,
      requests: Math.min(REQUESTS, 9),
    });
    print(month);
    const raw7 = await rawRead(WEEK);
    console.log(
      `${'raw: the COPY alone, 7 d'.padEnd(42)} median ${ms(raw7.median).padStart(7)}, fastest ${ms(raw7.fastest).padStart(7)}`,
    );
    for (const [name, query, encoding] of [
      ['compact 7 d, identity', '&format=compact', null],
      ['compact 7 d, gzip', '&format=compact', 'gzip'],
      ['compact 7 d, brotli', '&format=compact', 'br'],
      ['compact 7 d, gzip, simplify=5', '&format=compact&simplify=5', 'gzip'],
      ['GeoJSON 7 d, identity', '', null],
      ['GeoJSON 7 d, gzip', '', 'gzip'],
    ] as const) {
      const m = await measure(api, name, WEEK, query, encoding);
      print(m);
      results.push(m);
    }
    // How the compression levels compare on these answers (in this process, one core): what chose the API's.
    for (const m of results.filter((r) => r.name.endsWith('identity'))) {
      const levels: [string, () => Buffer][] = [
        ...[1, 4, 6, 9].map((level): [string, () => Buffer] => [`gzip ${level}`, () => gzipSync(m.text, { level })]),
        ...[1, 4, 6].map((quality): [string, () => Buffer] => [
          `brotli ${quality}`,
          () =>
            brotliCompressSync(m.text, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: quality,
                [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
                [constants.BROTLI_PARAM_SIZE_HINT]: m.text.length,
              },
            }),
        ]),
      ];
      const figures = levels.map(([name, compress]) => {
        const times: number[] = [];
        let size = 0;
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          size = compress().length;
          times.push(performance.now() - t0);
        }
        return `${name}: ${(size / m.fixes).toFixed(2)} B/fix in ${ms(
          percentile(
            times.sort((a, b) => a - b),
            50,
          ),
        )}`;
      });
      console.log(`${m.name.replace(', identity', '')} compressed in-process: ${figures.join('; ')}`);
    }
    // The week's moving fixes alone, encoded here as the API encodes them: a car that drives more sends more
    // varied differences than this one, parked most of the day.
    const weekFixes = [...carWeek(START, DAYS, INTERVAL_S, 7)].filter(
      (f) => f.fixTime >= Date.parse(WEEK.from) && f.fixTime < Date.parse(WEEK.to),
    );
    for (const [name, fixes] of [
      ['all', weekFixes],
      ['moving (ignition on)', weekFixes.filter((f) => f.ignition)],
    ] as const) {
      const out = new JsonBytes();
      batchesOf(
        fixes.map((f) => ({ ...f, terminalId: car.terminal_id, timeUs: f.fixTime * 1000 })),
        TRACK_BATCH,
      ).forEach((batch, i) => {
        if (i > 0) out.char(44);
        compactChunk(out, batch);
      });
      const text = Buffer.from(out.take());
      console.log(
        `compact 7 d, ${name} fixes (${fixes.length}): ${(text.length / fixes.length).toFixed(1)} B/fix, ` +
          `gzip 1 ${(gzipSync(text, { level: GZIP_LEVEL }).length / fixes.length).toFixed(2)} B/fix`,
      );
    }
    const monthGeo = await measure(api, 'GeoJSON 31 d, gzip', MONTH, '', 'gzip', {
      rss: true,
      requests: Math.min(REQUESTS, 5),
    });
    print(monthGeo);

    // Raw limit 2: bytes of the size of the 7-day compact gzip answer from a bare node:http server.
    const compactGzip = results.find((m) => m.name === 'compact 7 d, gzip')!;
    const size = Math.round(compactGzip.bytesPerFix * compactGzip.fixes);
    const staticPort = await freePort();
    const server = spawn(
      process.execPath,
      [
        '-e',
        `const body = Buffer.alloc(${size}, 120);
         require('node:http').createServer((req, res) => {
           res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
           res.end(body);
         }).listen(${staticPort}, '127.0.0.1');`,
      ],
      { stdio: 'ignore' },
    );
    children.push(server);
    await waitForPort(staticPort, true);
    const staticTimes: number[] = [];
    for (let i = 0; i < REQUESTS + WARM_UP; i++) {
      const answer = await get(`http://127.0.0.1:${staticPort}`, '/', {});
      if (i >= WARM_UP) staticTimes.push(answer.ms);
    }
    staticTimes.sort((a, b) => a - b);
    const staticMedian = percentile(staticTimes, 50);
    console.log(
      `${`raw: ${size} bytes from bare node:http`.padEnd(42)} median ${ms(staticMedian).padStart(7)}, fastest ${ms(staticTimes[0]).padStart(7)}`,
    );

    console.log(
      `ratios (median): compact 7 d gzip / raw COPY 7 d = ${(compactGzip.median / raw7.median).toFixed(2)}; ` +
        `compact 7 d gzip / (raw COPY + static file) = ${(compactGzip.median / (raw7.median + staticMedian)).toFixed(2)}; ` +
        `compact 31 d gzip / raw COPY 31 d = ${(month.median / raw31.median).toFixed(2)}`,
    );
    console.log(
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}`,
    );
  } finally {
    for (const child of children) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

await main();
