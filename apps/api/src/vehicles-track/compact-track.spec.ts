import { compactChunk, decodeCompactTrack, type CompactChunk } from './compact-track.js';
import { batchesOf, type FixValues } from './fix-batch.js';
import { JsonBytes } from './json-bytes.js';

const T0 = Date.parse('2026-11-26T01:00:00Z') * 1000;

function fix(s: number, more: Partial<FixValues> = {}): FixValues {
  return {
    terminalId: 'T1',
    timeUs: T0 + s * 1_000_000,
    lat: 33.961234,
    lon: 118.301234,
    speedKmh: 36.5,
    headingDeg: 271,
    ignition: true,
    alarmFlags: 0,
    odometerKm: 48293.9,
    valid: true,
    replay: false,
    ...more,
  };
}

function chunkOf(fixes: FixValues[]): CompactChunk {
  const out = new JsonBytes(16);
  compactChunk(out, batchesOf(fixes)[0]);
  return JSON.parse(Buffer.from(out.take()).toString('utf8')) as CompactChunk;
}

describe('the compact form', () => {
  const fixes = [
    fix(0),
    fix(10, { lat: 33.96125, lon: 118.3012, speedKmh: 0, ignition: false }),
    fix(10.123, { speedKmh: null, headingDeg: null, ignition: null, alarmFlags: null, odometerKm: null }),
    fix(20, { lat: 33.9601, lon: 118.299999, valid: false, alarmFlags: 4294967295, replay: true }),
    fix(30, { terminalId: 'T2', odometerKm: 48294.25, speedKmh: 112.3 }),
    fix(40, { terminalId: 'T2', lat: -33.5, lon: -0.000001, odometerKm: 48294.25 }),
  ];

  it('decodes to the fixes it was made of, nulls included', () => {
    const decoded = decodeCompactTrack({ chunks: [chunkOf(fixes)] });
    expect(decoded).toEqual(
      fixes.map((f) => ({
        fixTime: new Date(Math.floor(f.timeUs / 1000)).toISOString(),
        timeMs: Math.floor(f.timeUs / 1000),
        terminalId: f.terminalId,
        lat: f.lat,
        lon: f.lon,
        valid: f.valid,
        speedKmh: f.speedKmh,
        headingDeg: f.headingDeg,
        ignition: f.ignition,
        alarmFlags: f.alarmFlags,
        odometerKm: f.odometerKm,
        replay: f.replay,
      })),
    );
  });

  it('writes differences, runs and nulls as the document describes them', () => {
    const chunk = chunkOf(fixes);
    expect(chunk.n).toBe(6);
    expect(chunk.timeMs).toEqual([T0 / 1000, 10_000, 123, 9_877, 10_000, 10_000]);
    expect(chunk.latE6).toEqual([33961234, 16, -16, -1134, 1134, -67461234]);
    expect(chunk.odometerM).toEqual([48293900, 0, null, 0, 350, 0]);
    expect(chunk.speedDkmh).toEqual([365, 0, null, 365, 1123, 365]);
    expect(chunk.ignition).toEqual([1, 1, 0, 1, null, 1, 1, 3]);
    expect(chunk.alarmFlags).toEqual([0, 2, null, 1, 4294967295, 1, 0, 2]);
    expect(chunk.valid).toEqual([1, 3, 0, 1, 1, 2]);
    expect(chunk.terminalId).toEqual(['T1', 4, 'T2', 2]);
  });

  it('refuses a run-length column that does not add up to the chunk', () => {
    const chunk = { ...chunkOf(fixes), valid: [1, 5] };
    expect(() => decodeCompactTrack({ chunks: [chunk] })).toThrow('a run-length column holds 5 values, not 6');
  });
});

describe('JsonBytes', () => {
  it.each([0, 7, 10, -1, -10, 99, 100, 123456789, -987654321, 1_793_635_200_000, 2 ** 53 - 1])(
    'writes %p as JSON does',
    (n) => {
      const out = new JsonBytes(1);
      out.char(91).int(n).char(44).raw('"车牌"').char(93);
      expect(JSON.parse(Buffer.from(out.take()).toString('utf8'))).toEqual([n, '车牌']);
    },
  );
});
