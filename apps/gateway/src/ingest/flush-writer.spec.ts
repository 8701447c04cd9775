import { isoTime, restoreLive, type AcceptedPosition, type LiveStates } from './flush-writer.js';

describe('COPY time text', () => {
  it.each([
    ['a whole minute', Date.UTC(2026, 11, 7, 18, 36, 0, 0)],
    ['milliseconds below ten', Date.UTC(2026, 11, 7, 18, 36, 5, 7)],
    ['milliseconds below a hundred', Date.UTC(2026, 11, 7, 18, 36, 9, 42)],
    ['the last millisecond of a day', Date.UTC(2026, 11, 31, 23, 59, 59, 999)],
    ['the epoch', 0],
    ['before the epoch', Date.UTC(1969, 11, 31, 23, 59, 58, 1)],
    ['a leap day', Date.UTC(2028, 1, 29, 12, 0, 30, 500)],
  ])('writes %s as toISOString does', (_, ms) => {
    expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('stays exact across minutes, whichever order the times come in', () => {
    const start = Date.UTC(2026, 11, 7, 18, 58, 0, 0);
    const times = [0, 59_999, 60_000, 1, 120_001, 61_000, 3_599_999].map((d) => start + d);
    for (const ms of times) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('live state whose write failed', () => {
  const fix = (fixTime: number) => ({ fixTime }) as AcceptedPosition;

  it('goes back under what came since: the newer fix and the link state heard last win', () => {
    const failed: LiveStates = new Map([
      ['T1', { vehicleId: 'v1', newest: fix(2_000), online: true, at: 1_000, heardAt: 2_500 }],
      ['T2', { vehicleId: 'v2', newest: fix(5_000), online: true, at: 4_000, heardAt: 5_500 }],
      ['T3', { vehicleId: 'v3', online: false, at: 6_000, heardAt: 6_000 }],
    ]);
    const since: LiveStates = new Map([
      ['T1', { vehicleId: 'v1', newest: fix(3_000), online: true, at: 1_000, heardAt: 3_100 }],
      ['T2', { vehicleId: 'v2', online: false, at: 6_500, heardAt: 6_500 }],
    ]);
    restoreLive(since, failed);
    expect(since.get('T1')).toEqual({ vehicleId: 'v1', newest: fix(3_000), online: true, at: 1_000, heardAt: 3_100 });
    // The status heard since stays; the fix that failed to be written comes back with it.
    expect(since.get('T2')).toEqual({ vehicleId: 'v2', newest: fix(5_000), online: false, at: 6_500, heardAt: 6_500 });
    expect(since.get('T3')).toEqual({ vehicleId: 'v3', online: false, at: 6_000, heardAt: 6_000 });
  });
});
