import { isoTime } from './flush-writer.js';

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
