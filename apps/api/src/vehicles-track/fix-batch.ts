/** Fixes decoded, thinned and written at a time: the chunk size of the compact form. */
export const TRACK_BATCH = 8192;

/**
 * Fixes of a track in fix-time order, held column by column in typed arrays: a week of one car is 60,480 fixes,
 * and one object per fix (with a Date and ten properties) is what made the track slow and memory-hungry.
 * NaN stands for a value the terminal did not send (null in the answers), -1 for an unknown ignition.
 */
export class FixBatch {
  length = 0;
  readonly terminalId: string[] = [];
  /** Fix time in microseconds since 1970 (the database keeps microseconds; answers carry milliseconds). */
  readonly timeUs: Float64Array;
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  readonly speedKmh: Float64Array;
  readonly headingDeg: Float64Array;
  /** 1 on, 0 off, -1 not reported. */
  readonly ignition: Int8Array;
  readonly alarmFlags: Float64Array;
  readonly odometerKm: Float64Array;
  readonly valid: Uint8Array;
  readonly replay: Uint8Array;

  constructor(readonly capacity: number) {
    this.timeUs = new Float64Array(capacity);
    this.lat = new Float64Array(capacity);
    this.lon = new Float64Array(capacity);
    this.speedKmh = new Float64Array(capacity);
    this.headingDeg = new Float64Array(capacity);
    this.ignition = new Int8Array(capacity);
    this.alarmFlags = new Float64Array(capacity);
    this.odometerKm = new Float64Array(capacity);
    this.valid = new Uint8Array(capacity);
    this.replay = new Uint8Array(capacity);
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  /** Appends fix `i` of another batch; the caller checks there is room. */
  copyFrom(source: FixBatch, i: number): void {
    const j = this.length++;
    this.terminalId[j] = source.terminalId[i];
    this.timeUs[j] = source.timeUs[i];
    this.lat[j] = source.lat[i];
    this.lon[j] = source.lon[i];
    this.speedKmh[j] = source.speedKmh[i];
    this.headingDeg[j] = source.headingDeg[i];
    this.ignition[j] = source.ignition[i];
    this.alarmFlags[j] = source.alarmFlags[i];
    this.odometerKm[j] = source.odometerKm[i];
    this.valid[j] = source.valid[i];
    this.replay[j] = source.replay[i];
  }
}

/** A fix as plain values, for tests and for building batches by hand. */
export interface FixValues {
  terminalId: string;
  timeUs: number;
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

const orNaN = (v: number | null) => (v === null ? Number.NaN : v);

/** Fixes given as values, in batches of `capacity`. */
export function batchesOf(fixes: FixValues[], capacity = TRACK_BATCH): FixBatch[] {
  const batches: FixBatch[] = [];
  for (let start = 0; start < fixes.length; start += capacity) {
    const batch = new FixBatch(capacity);
    for (const fix of fixes.slice(start, start + capacity)) {
      const j = batch.length++;
      batch.terminalId[j] = fix.terminalId;
      batch.timeUs[j] = fix.timeUs;
      batch.lat[j] = fix.lat;
      batch.lon[j] = fix.lon;
      batch.speedKmh[j] = orNaN(fix.speedKmh);
      batch.headingDeg[j] = orNaN(fix.headingDeg);
      batch.ignition[j] = fix.ignition === null ? -1 : fix.ignition ? 1 : 0;
      batch.alarmFlags[j] = orNaN(fix.alarmFlags);
      batch.odometerKm[j] = orNaN(fix.odometerKm);
      batch.valid[j] = fix.valid ? 1 : 0;
      batch.replay[j] = fix.replay ? 1 : 0;
    }
    batches.push(batch);
  }
  return batches;
}
