import { batchesOf, type FixBatch, type FixValues } from './fix-batch.js';
import { MAX_HELD, simplifyTrack } from './track-simplify.js';

const T0 = Date.parse('2026-11-26T02:00:00Z') * 1000;
const M_PER_DEG = 111_320;

/** A fix `s` seconds after 10:00 (+08:00), `east` and `north` metres from a point in the district. */
function fix(s: number, east: number, north: number, more: Partial<FixValues> = {}): FixValues {
  return {
    terminalId: 'T1',
    timeUs: T0 + s * 1_000_000,
    lat: 33.96 + north / M_PER_DEG,
    lon: 118.3 + east / (M_PER_DEG * Math.cos((33.96 * Math.PI) / 180)),
    speedKmh: 40,
    headingDeg: 90,
    ignition: true,
    alarmFlags: 0,
    odometerKm: 1000,
    valid: true,
    replay: false,
    ...more,
  };
}

async function simplified(fixes: FixValues[], toleranceM: number, batchSize = 8192): Promise<number[]> {
  async function* source(): AsyncGenerator<FixBatch> {
    yield* batchesOf(fixes, batchSize);
  }
  const kept: number[] = [];
  for await (const batch of simplifyTrack(source(), toleranceM, batchSize)) {
    for (let i = 0; i < batch.length; i++) kept.push((batch.timeUs[i] - T0) / 1_000_000);
  }
  return kept;
}

/** Seconds of the fixes, as the tests name them. */
const seconds = (fixes: FixValues[]) => fixes.map((f) => (f.timeUs - T0) / 1_000_000);

describe('TrackSimplifier', () => {
  it('keeps only the ends of a straight drive, even with a metre of GNSS noise', async () => {
    const drive = Array.from({ length: 100 }, (_, i) => fix(i * 10, i * 110, i % 2 === 0 ? 0.8 : -0.8));
    expect(await simplified(drive, 5)).toEqual([0, 990]);
  });

  it('keeps the corner of an L-shaped drive and drops the straight parts', async () => {
    const east = Array.from({ length: 10 }, (_, i) => fix(i * 10, i * 100, 0));
    const north = Array.from({ length: 10 }, (_, i) => fix(100 + i * 10, 900, (i + 1) * 100));
    expect(await simplified([...east, ...north], 5)).toEqual([0, 90, 190]);
  });

  it('keeps where a stop begins and ends, and drops the fixes of the car standing in between', async () => {
    const fixes = [
      fix(0, 0, 0),
      fix(10, 110, 0),
      fix(20, 220, 0),
      // 10:00:30 the car stands at a light for a minute, the fix drifting by a metre.
      ...Array.from({ length: 6 }, (_, i) => fix(30 + i * 10, 330 + (i % 2), 0, { speedKmh: 0 })),
      fix(90, 440, 0),
      fix(100, 550, 0),
      fix(110, 660, 0),
    ];
    expect(await simplified(fixes, 5)).toEqual([0, 20, 30, 80, 90, 110]);
  });

  it('keeps both sides of an ignition change and of an alarm that comes and goes', async () => {
    const fixes = [
      fix(0, 0, 0, { speedKmh: 0, ignition: false }),
      fix(10, 0, 0, { speedKmh: 0, ignition: false }),
      fix(20, 0, 0, { speedKmh: 0, ignition: false }),
      fix(30, 0, 0, { speedKmh: 0, ignition: true }), // engine started
      fix(40, 100, 0),
      fix(50, 200, 0),
      fix(60, 300, 0, { alarmFlags: 32 }), // antenna cut
      fix(70, 400, 0, { alarmFlags: 32 }),
      fix(80, 500, 0, { alarmFlags: 32 }),
      fix(90, 600, 0),
      fix(100, 700, 0),
      fix(110, 800, 0),
    ];
    expect(await simplified(fixes, 5)).toEqual([0, 20, 30, 40, 50, 60, 80, 90, 110]);
  });

  it('keeps the ends of a stretch without GNSS lock and drops the guesses inside it', async () => {
    const fixes = [
      fix(0, 0, 0),
      fix(10, 100, 0),
      fix(20, 200, 0, { valid: false }), // into a tunnel
      fix(30, 250, 40, { valid: false }),
      fix(40, 250, 40, { valid: false }),
      fix(50, 400, 0),
      fix(60, 500, 0),
    ];
    expect(await simplified(fixes, 5)).toEqual([0, 10, 20, 40, 50, 60]);
  });

  it('keeps a terminal change and the single fix of a one-fix stop', async () => {
    const fixes = [
      fix(0, 0, 0),
      fix(10, 100, 0),
      fix(20, 200, 0, { speedKmh: 1 }),
      fix(30, 300, 0),
      fix(40, 400, 0),
      fix(50, 500, 0, { terminalId: 'T2' }),
      fix(60, 600, 0, { terminalId: 'T2' }),
      fix(70, 700, 0, { terminalId: 'T2' }),
    ];
    expect(await simplified(fixes, 5)).toEqual([0, 10, 20, 30, 40, 50, 70]);
  });

  it('gives the same fixes whatever the batches, and cuts a stretch longer than it may hold', async () => {
    const wiggle = Array.from({ length: MAX_HELD + 500 }, (_, i) => fix(i, i * 10, 20 * Math.sin(i / 15)));
    const whole = await simplified(wiggle, 3, 100_000);
    expect(await simplified(wiggle, 3, 97)).toEqual(whole);
    expect(whole.length).toBeLessThan(wiggle.length / 3);
    expect(whole[0]).toBe(0);
    expect(whole[whole.length - 1]).toBe(seconds(wiggle)[wiggle.length - 1]);
    // The stretch was cut where the held fixes ran out: that fix is kept.
    expect(whole).toContain(MAX_HELD - 1);
  });

  it('keeps a lone fix and passes an empty track through', async () => {
    expect(await simplified([fix(0, 0, 0)], 5)).toEqual([0]);
    expect(await simplified([], 5)).toEqual([]);
  });
});
