import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import {
  decodeCompactTrack,
  type CompactTrack,
  type TrackFix,
} from '../../apps/api/src/vehicles-track/compact-track.js';
import { FixBatch } from '../../apps/api/src/vehicles-track/fix-batch.js';
import { decodeTrackCopy, trackSql } from '../../apps/api/src/vehicles-track/track-rows.js';
import { STANDING_KMH } from '../../apps/api/src/vehicles-track/track-simplify.js';
import { carWeek } from '../bench/track-week.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { seedUnit, type SeededCar } from './fleet-fixtures.js';

interface Stored {
  terminalId: string;
  fixTime: string;
  lat: number;
  lon: number;
  speedKmh: number | null;
  headingDeg: number | null;
  ignition: boolean | null;
  alarmFlags: number | null;
  odometerKm: number | null;
  valid: boolean;
  replay: boolean;
}

/** Positions of one car in one statement, as the gateway's COPY would leave them. */
async function store(db: pg.Pool, vehicleId: string, rows: Stored[]): Promise<void> {
  const column = <K extends keyof Stored>(key: K) => rows.map((r) => r[key]);
  await db.query(
    `INSERT INTO positions (terminal_id, fix_time, vehicle_id, lat, lon, speed_kmh, heading_deg, ignition, alarm_flags,
                           odometer_km, valid, replay)
     SELECT t, f, $1, la, lo, s, h, i, a, o, v, r
       FROM unnest($2::text[], $3::timestamptz[], $4::float8[], $5::float8[], $6::real[], $7::smallint[], $8::bool[],
                   $9::bigint[], $10::float8[], $11::bool[], $12::bool[]) AS x(t, f, la, lo, s, h, i, a, o, v, r)`,
    [
      vehicleId,
      column('terminalId'),
      column('fixTime'),
      column('lat'),
      column('lon'),
      column('speedKmh'),
      column('headingDeg'),
      column('ignition'),
      column('alarmFlags'),
      column('odometerKm'),
      column('valid'),
      column('replay'),
    ],
  );
}

const DAY = { from: '2026-11-26T00:00:00+08:00', to: '2026-11-27T00:00:00+08:00' };
const DAY_START = Date.parse(DAY.from);

/** Fixes of the GeoJSON form, with their position as the compact form gives it. */
function geoJsonFixes(body: {
  features: { geometry: { coordinates: number[] } | null; properties: Record<string, unknown> }[];
}) {
  return body.features
    .filter((f) => f.properties.kind === 'fix')
    .map((f) => ({ ...f.properties, position: f.geometry?.coordinates ?? null }));
}

/** Stretch of a fix as the simplification judges it: what besides the position tells two fixes apart. */
const stretchOf = (f: TrackFix) =>
  JSON.stringify([f.speedKmh !== null && f.speedKmh < STANDING_KMH, f.ignition, f.alarmFlags, f.valid, f.terminalId]);
const keyOf = (f: TrackFix) => `${f.fixTime} ${f.terminalId}`;

describe('GET /api/v1/vehicles/{id}/track: compact form, compression, paging and simplify', () => {
  let api: TestApi;
  let token: string;
  let car: SeededCar;
  let origin: string;
  let day: Stored[];
  const path = (query = '', range = DAY, vehicleId = () => car.vehicleId) =>
    `/api/v1/vehicles/${vehicleId()}/track?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}${query}`;

  /** A GET with the body as it came over the wire (still compressed). */
  const raw = (url: string, acceptEncoding?: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
      (done, fail) => {
        const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
        if (acceptEncoding !== undefined) headers['Accept-Encoding'] = acceptEncoding;
        const req = request(`${origin}${url}`, { headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', fail);
        });
        req.on('error', fail);
        req.end();
      },
    );
  const get = async (url: string) => (await api.http.get(url).set('Authorization', `Bearer ${token}`).expect(200)).body;

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.tokenFor(['centre']);
    [car] = (await seedUnit(api.db, 'Track forms office', [{ plate: '苏N50001' }])).cars;
    await api.app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    // A day at 10 s: parked at night, trips by day, a tunnel, an alarm, a blind-area stretch re-uploaded.
    day = [...carWeek(DAY_START, 1, 10, 3)].map((f) => ({
      terminalId: car.terminalId!,
      fixTime: new Date(f.fixTime).toISOString(),
      lat: f.lat,
      lon: f.lon,
      speedKmh: f.speedKmh,
      headingDeg: f.headingDeg,
      ignition: f.ignition,
      alarmFlags: f.alarmFlags,
      odometerKm: f.odometerKm,
      valid: f.valid,
      replay: f.replay,
    }));
    const at = (s: number) => new Date(DAY_START + s * 1000).toISOString();
    // A terminal that sent nothing but a position, a fix with milliseconds, and a second terminal of the car
    // that reported at the same instant as the first (a swap, with both still on).
    day.push(
      { ...day[100], fixTime: at(1005), speedKmh: null, headingDeg: null, ignition: null, alarmFlags: null },
      { ...day[101], fixTime: new Date(DAY_START + 1015_250).toISOString(), odometerKm: null },
      { ...day[3000], terminalId: `${car.terminalId}Z`, lat: 33.9, lon: 118.25, replay: true },
    );
    // Stored out of order, as blind-area re-uploads arrive after the live fixes.
    await store(api.db, car.vehicleId, day.slice(4000));
    await store(api.db, car.vehicleId, day.slice(0, 4000));
  }, 60_000);
  afterAll(() => api.close());

  it('gives in the compact form exactly the fixes of the GeoJSON form', async () => {
    const geo = await get(path());
    const compact = (await get(path('&format=compact'))) as CompactTrack;
    expect(compact).toMatchObject({
      format: 'compact',
      vehicleId: car.vehicleId,
      plateNumber: '苏N50001',
      from: '2026-11-25T16:00:00.000Z',
      to: '2026-11-26T16:00:00.000Z',
      simplifyM: null,
      fixes: day.length,
      next: null,
    });
    const fixes = decodeCompactTrack(compact);
    const features = geoJsonFixes(geo);
    expect(fixes).toHaveLength(day.length);
    expect(features).toHaveLength(day.length);
    // One comparison for all: the properties exactly, the position to 1e-6 degree (none without GNSS lock).
    const worst = (a: number, b: number, worstSoFar: number) => Math.max(worstSoFar, Math.abs(a - b));
    let farthest = 0;
    const fromCompact = fixes.map((fix, i) => {
      const position = (features[i] as { position: number[] | null }).position;
      if (fix.valid && position) farthest = worst(fix.lat, position[1], worst(fix.lon, position[0], farthest));
      return {
        kind: 'fix',
        fixTime: fix.fixTime,
        terminalId: fix.terminalId,
        valid: fix.valid,
        speedKmh: fix.speedKmh,
        headingDeg: fix.headingDeg,
        ignition: fix.ignition,
        alarmFlags: fix.alarmFlags,
        odometerKm: fix.odometerKm,
        replay: fix.replay,
        position: fix.valid ? (position ?? 'missing') : null,
      };
    });
    expect(fromCompact).toEqual(features);
    expect(farthest).toBeLessThanOrEqual(1e-6);
    // And both are what was stored, in fix-time order (terminal order within the same instant).
    const stored = [...day].sort(
      (a, b) => a.fixTime.localeCompare(b.fixTime) || a.terminalId.localeCompare(b.terminalId),
    );
    expect(fixes.map((f) => [f.fixTime, f.terminalId, f.lat, f.lon, f.speedKmh, f.odometerKm])).toEqual(
      stored.map((s) => [new Date(s.fixTime).toISOString(), s.terminalId, s.lat, s.lon, s.speedKmh, s.odometerKm]),
    );
    const line = geo.features[0];
    expect(line.properties).toEqual({ kind: 'track', fixes: fixes.filter((f) => f.valid).length });
    expect(line.geometry.coordinates).toEqual(fixes.filter((f) => f.valid).map((f) => [f.lon, f.lat]));
  });

  it('compresses with brotli or gzip as Accept-Encoding asks, and sends plain JSON otherwise', async () => {
    const plain = await raw(path('&format=compact'));
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(plain.headers.vary).toMatch(/Accept-Encoding/);
    expect(JSON.parse(plain.body.toString('utf8')).fixes).toBe(day.length);
    const cases: [string, string | undefined][] = [
      ['gzip', 'gzip'],
      ['br', 'br'],
      ['gzip, deflate, br, zstd', 'br'],
      ['br;q=0, gzip', 'gzip'],
      ['identity', undefined],
      ['deflate', undefined],
    ];
    for (const [accept, coding] of cases) {
      const answer = await raw(path('&format=compact'), accept);
      expect([accept, answer.headers['content-encoding']]).toEqual([accept, coding]);
      const body =
        coding === 'gzip' ? gunzipSync(answer.body) : coding === 'br' ? brotliDecompressSync(answer.body) : answer.body;
      expect(body.equals(plain.body)).toBe(true);
    }
    // The GeoJSON form is compressed the same way.
    const geo = await raw(path(), 'gzip');
    expect(geo.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(geo.body).toString('utf8')).type).toBe('FeatureCollection');
    // What the compact form is for: a day of fixes every 10 s in a few bytes each.
    const gzip = await raw(path('&format=compact'), 'gzip');
    expect(gzip.body.length / day.length).toBeLessThan(40);
    expect(gzip.body.length).toBeLessThan(geo.body.length / 3);
  });

  it('pages through the range with limit and after, losing and repeating nothing, late fixes included', async () => {
    const pages: CompactTrack[] = [];
    let after: string | null = null;
    do {
      const page: CompactTrack = await get(
        path(`&format=compact&limit=1000${after === null ? '' : `&after=${encodeURIComponent(after)}`}`),
      );
      pages.push(page);
      if (pages.length === 1) {
        // After the first page, a blind-area re-upload lands further on in the range, one of its fixes at the
        // instant where the first page ended (the cursor's time, another terminal).
        const last = decodeCompactTrack(page).at(-1)!;
        const late = [0, 5, 15, 25].map((s, k) => ({
          ...day[5000 + k],
          fixTime: k === 0 ? last.fixTime : new Date(DAY_START + (5000 * 10 + s) * 1000).toISOString(),
          terminalId: k === 0 ? `${car.terminalId}Z` : car.terminalId!,
          replay: true,
        }));
        await store(api.db, car.vehicleId, late);
        day.push(...late);
      }
      after = page.next;
    } while (after !== null);
    const paged = pages.flatMap((page) => decodeCompactTrack(page));
    expect(pages.map((p) => p.fixes).every((n) => n <= 1000)).toBe(true);
    expect(pages.length).toBe(Math.ceil(day.length / 1000));
    expect(new Set(paged.map(keyOf)).size).toBe(paged.length);
    const whole = decodeCompactTrack(await get(path('&format=compact')));
    expect(whole).toHaveLength(day.length);
    expect(paged).toEqual(whole);

    // The GeoJSON form pages the same way.
    const hour = { from: '2026-11-26T01:00:00+08:00', to: '2026-11-26T02:00:00+08:00' };
    const first = await get(path('&limit=200', hour));
    const second = await get(path(`&limit=200&after=${encodeURIComponent(first.next)}`, hour));
    expect(second.next).toBeNull();
    const all = geoJsonFixes(await get(path('', hour)));
    expect([...geoJsonFixes(first), ...geoJsonFixes(second)]).toEqual(all);
  });

  it('thins the track with simplify, keeping the ends, every stop, ignition change and alarm', async () => {
    const full = decodeCompactTrack(await get(path('&format=compact')));
    const thin = (await get(path('&format=compact&simplify=5'))) as CompactTrack;
    expect(thin.simplifyM).toBe(5);
    const kept = decodeCompactTrack(thin);
    expect(kept.length).toBe(thin.fixes);
    expect(kept.length).toBeLessThan(full.length / 5);
    // A subset of the fixes, unchanged, in order.
    const byKey = new Map(full.map((f) => [keyOf(f), f]));
    for (const f of kept) expect(f).toEqual(byKey.get(keyOf(f)));
    expect(kept[0]).toEqual(full[0]);
    expect(kept.at(-1)).toEqual(full.at(-1));
    // Both ends of every stop, ignition state, alarm state, lock state: wherever the stretch changes.
    const keptKeys = new Set(kept.map(keyOf));
    let changes = 0;
    for (let i = 1; i < full.length; i++) {
      if (stretchOf(full[i]) === stretchOf(full[i - 1])) continue;
      changes++;
      expect([keyOf(full[i - 1]), keptKeys.has(keyOf(full[i - 1]))]).toEqual([keyOf(full[i - 1]), true]);
      expect([keyOf(full[i]), keptKeys.has(keyOf(full[i]))]).toEqual([keyOf(full[i]), true]);
    }
    expect(changes).toBeGreaterThan(20);
    expect(kept.filter((f) => f.alarmFlags !== null && f.alarmFlags !== 0).length).toBeGreaterThan(0);
    // Every valid fix left out lies within the tolerance of the line drawn through the kept ones.
    const m = 111_320;
    const kx = m * Math.cos((33.96 * Math.PI) / 180);
    let k = 0;
    for (const f of full) {
      while (k < kept.length - 1 && kept[k + 1].timeMs <= f.timeMs) k++;
      if (!f.valid || keptKeys.has(keyOf(f))) continue;
      const [a, b] = [kept[k], kept[k + 1]];
      const [ax, ay, bx, by, px, py] = [a.lon * kx, a.lat * m, b.lon * kx, b.lat * m, f.lon * kx, f.lat * m];
      const l2 = (bx - ax) ** 2 + (by - ay) ** 2;
      const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / l2));
      expect(Math.hypot(px - ax - t * (bx - ax), py - ay - t * (by - ay))).toBeLessThan(5.5);
    }
  });

  it('decodes the COPY of the fixes however its bytes are split', async () => {
    const client = await api.db.connect();
    let bytes: Buffer;
    try {
      const sql = trackSql(client, { vehicleId: car.vehicleId, from: new Date(DAY.from), to: new Date(DAY.to) });
      const chunks: Buffer[] = [];
      for await (const chunk of client.query(copyStreams.to(sql))) chunks.push(chunk as Buffer);
      bytes = Buffer.concat(chunks);
    } finally {
      client.release();
    }
    const decode = async (size: number) => {
      async function* pieces() {
        for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
      }
      const fixes: unknown[] = [];
      for await (const batch of decodeTrackCopy(pieces(), 997)) {
        for (let i = 0; i < batch.length; i++) fixes.push(rowOf(batch, i));
      }
      return fixes;
    };
    const whole = await decode(bytes.length);
    expect(whole).toHaveLength(day.length);
    // 7 bytes: every field of some row is cut somewhere.
    for (const size of [7, 100, 65_536]) expect(await decode(size)).toEqual(whole);
  });

  it.each([
    ['format', '&format=xml', /^format must be one of: geojson, compact$/],
    ['simplify zero', '&simplify=0', /^simplify must be a tolerance in metres/],
    ['simplify negative', '&simplify=-5', /^simplify must be a tolerance in metres/],
    ['simplify not a number', '&simplify=5m', /^simplify must be a tolerance in metres/],
    ['simplify too large', '&simplify=5000', /^simplify must be a tolerance in metres/],
    ['limit zero', '&limit=0', /^limit must be a whole number of fixes/],
    ['limit fractional', '&limit=1.5', /^limit must be a whole number of fixes/],
    ['limit too large', '&limit=5000000', /^limit must be a whole number of fixes/],
    ['after not a cursor', '&after=%2A%2A%2A', /^after must be the next value of an earlier answer/],
    ['after decoding to nothing', `&after=${Buffer.from('hello').toString('base64url')}`, /^after must be the next/],
    ['an unknown parameter', '&tolerance=5', /^property tolerance should not exist$/],
  ])('answers 400 naming the parameter for %s', async (_, query, message) => {
    const res = await api.http.get(path(query)).set('Authorization', `Bearer ${token}`).expect(400);
    expect([res.body.message].flat().join(' ')).toMatch(message);
  });
});

function rowOf(batch: FixBatch, i: number) {
  return [
    batch.terminalId[i],
    batch.timeUs[i],
    batch.lat[i],
    batch.lon[i],
    batch.speedKmh[i],
    batch.headingDeg[i],
    batch.ignition[i],
    batch.alarmFlags[i],
    batch.odometerKm[i],
    batch.valid[i],
    batch.replay[i],
  ];
}
