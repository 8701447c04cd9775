import type { FixBatch } from './fix-batch.js';
import type { JsonBytes } from './json-bytes.js';

/**
 * The compact form of a track (`format=compact`): the fixes column by column, in chunks of a few thousand so
 * the service can send each chunk as it reads it. Integers only, and small ones: what changes little from fix
 * to fix is sent as the difference to the previous fix, what rarely changes as runs. About 30 bytes a fix
 * uncompressed and under 10 gzip-compressed, against 307 for GeoJSON. The dashboard decodes it with
 * decodeCompactTrack below; docs/api.md describes it for other clients.
 *
 * Precision: times to the millisecond, coordinates to 1e-6° (0.11 m), speed to 0.1 km/h, odometer to the metre.
 */
export interface CompactTrack {
  format: 'compact';
  vehicleId: string;
  plateNumber: string;
  from: string;
  to: string;
  /** The simplification tolerance in metres, or null when every fix is there. */
  simplifyM: number | null;
  chunks: CompactChunk[];
  /** Fixes in the chunks. */
  fixes: number;
  /** Pass as `after` for the next page; null when the range is complete. */
  next: string | null;
}

export interface CompactChunk {
  /** Fixes in this chunk. */
  n: number;
  /** Milliseconds since 1970: the first fix's, then the difference to the previous fix. */
  timeMs: number[];
  /** Latitude and longitude in millionths of a degree (WGS-84): the first, then differences. */
  latE6: (number | null)[];
  lonE6: (number | null)[];
  /** Speed in 0.1 km/h, or null. */
  speedDkmh: (number | null)[];
  headingDeg: (number | null)[];
  /** Odometer in metres: the first known, then the difference to the previous known one; null when not sent. */
  odometerM: (number | null)[];
  /** Runs of [value, count]: 1 on / 0 off / null unknown. */
  ignition: (number | null)[];
  /** Runs of [JT/T 808 alarm bits or null, count]. */
  alarmFlags: (number | null)[];
  /** Runs of [1 with GNSS lock / 0 without, count]. */
  valid: number[];
  /** Runs of [1 re-uploaded after a blind area / 0 live, count]. */
  replay: number[];
  /** Runs of [terminal id, count]. */
  terminalId: (string | number)[];
}

/** One fix, as decodeCompactTrack gives it (the GeoJSON form's properties, with the position). */
export interface TrackFix {
  fixTime: string;
  timeMs: number;
  terminalId: string;
  lat: number;
  lon: number;
  valid: boolean;
  speedKmh: number | null;
  headingDeg: number | null;
  ignition: boolean | null;
  alarmFlags: number | null;
  odometerKm: number | null;
  replay: boolean;
}

// ---------------------------------------------------------------- encoding (the service)

const COMMA = 44;

/** A column as its first value and then differences, times `scale`, rounded; NaN is null and keeps the chain. */
function deltas(out: JsonBytes, values: Float64Array, n: number, scale: number): void {
  out.char(91);
  let previous = 0;
  let started = false;
  for (let i = 0; i < n; i++) {
    if (i > 0) out.char(COMMA);
    const v = values[i];
    if (v !== v) {
      out.raw('null');
      continue;
    }
    const scaled = Math.round(v * scale);
    out.int(started ? scaled - previous : scaled);
    previous = scaled;
    started = true;
  }
  out.char(93);
}

function plain(out: JsonBytes, values: Float64Array, n: number, scale: number): void {
  out.char(91);
  for (let i = 0; i < n; i++) {
    if (i > 0) out.char(COMMA);
    const v = values[i];
    if (v !== v) out.raw('null');
    else out.int(Math.round(v * scale));
  }
  out.char(93);
}

/** Runs of [value, count], the value as JSON text (`valueAt` returns the same string for the same value). */
function runs(out: JsonBytes, n: number, valueAt: (i: number) => string): void {
  out.char(91);
  let current = '';
  let count = 0;
  let first = true;
  const flush = () => {
    if (!first) out.char(COMMA);
    out.raw(current).char(COMMA).int(count);
    first = false;
  };
  for (let i = 0; i < n; i++) {
    const v = valueAt(i);
    if (count > 0 && v === current) {
      count++;
      continue;
    }
    if (count > 0) flush();
    current = v;
    count = 1;
  }
  if (count > 0) flush();
  out.char(93);
}

const BIT = ['0', '1'];
const IGNITION = ['null', '0', '1'];

/** One chunk of the compact form, as JSON, written into `out`. */
export function compactChunk(out: JsonBytes, batch: FixBatch): void {
  const n = batch.length;
  out.raw('{"n":').int(n).raw(',"timeMs":[');
  let previous = 0;
  for (let i = 0; i < n; i++) {
    const ms = Math.floor(batch.timeUs[i] / 1000);
    if (i > 0) out.char(COMMA).int(ms - previous);
    else out.int(ms);
    previous = ms;
  }
  out.raw('],"latE6":');
  deltas(out, batch.lat, n, 1e6);
  out.raw(',"lonE6":');
  deltas(out, batch.lon, n, 1e6);
  out.raw(',"speedDkmh":');
  plain(out, batch.speedKmh, n, 10);
  out.raw(',"headingDeg":');
  plain(out, batch.headingDeg, n, 1);
  out.raw(',"odometerM":');
  deltas(out, batch.odometerKm, n, 1000);
  const { ignition, alarmFlags, valid, replay, terminalId } = batch;
  out.raw(',"ignition":');
  runs(out, n, (i) => IGNITION[ignition[i] + 1]);
  const alarmText = new Map<number, string>();
  out.raw(',"alarmFlags":');
  runs(out, n, (i) => {
    const v = alarmFlags[i];
    if (v !== v) return 'null';
    let text = alarmText.get(v);
    if (text === undefined) alarmText.set(v, (text = String(v)));
    return text;
  });
  out.raw(',"valid":');
  runs(out, n, (i) => BIT[valid[i]]);
  out.raw(',"replay":');
  runs(out, n, (i) => BIT[replay[i]]);
  const idJson = new Map<string, string>();
  out.raw(',"terminalId":');
  runs(out, n, (i) => {
    const id = terminalId[i];
    let json = idJson.get(id);
    if (json === undefined) idJson.set(id, (json = JSON.stringify(id)));
    return json;
  });
  out.char(125);
}

// ---------------------------------------------------------------- decoding (the dashboard, other clients, tests)

function expandRuns<T>(pairs: T[], n: number): T[] {
  const values: T[] = [];
  for (let k = 0; k + 1 < pairs.length; k += 2) {
    for (let c = 0; c < (pairs[k + 1] as number); c++) values.push(pairs[k]);
  }
  if (values.length !== n) throw new Error(`a run-length column holds ${values.length} values, not ${n}`);
  return values;
}

function undelta(values: (number | null)[]): (number | null)[] {
  let previous = 0;
  let started = false;
  return values.map((v) => {
    if (v === null) return null;
    previous = started ? previous + v : v;
    started = true;
    return previous;
  });
}

/** The fixes of a compact track, in fix-time order. */
export function decodeCompactTrack(track: Pick<CompactTrack, 'chunks'>): TrackFix[] {
  const fixes: TrackFix[] = [];
  for (const chunk of track.chunks) {
    const n = chunk.n;
    const lat = undelta(chunk.latE6);
    const lon = undelta(chunk.lonE6);
    const odometer = undelta(chunk.odometerM);
    const ignition = expandRuns(chunk.ignition, n);
    const alarms = expandRuns(chunk.alarmFlags, n);
    const valid = expandRuns(chunk.valid, n);
    const replay = expandRuns(chunk.replay, n);
    const terminals = expandRuns(chunk.terminalId, n);
    let time = 0;
    for (let i = 0; i < n; i++) {
      time = i === 0 ? chunk.timeMs[0] : time + chunk.timeMs[i];
      const speed = chunk.speedDkmh[i];
      fixes.push({
        fixTime: new Date(time).toISOString(),
        timeMs: time,
        terminalId: String(terminals[i]),
        lat: lat[i] === null ? Number.NaN : lat[i]! / 1e6,
        lon: lon[i] === null ? Number.NaN : lon[i]! / 1e6,
        valid: valid[i] === 1,
        speedKmh: speed === null ? null : speed / 10,
        headingDeg: chunk.headingDeg[i],
        ignition: ignition[i] === null ? null : ignition[i] === 1,
        alarmFlags: alarms[i],
        odometerKm: odometer[i] === null ? null : odometer[i]! / 1000,
        replay: replay[i] === 1,
      });
    }
  }
  return fixes;
}
