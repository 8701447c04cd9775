import { dueMonth } from './monthly-report.job.js';

describe('the month whose oversight report is due', () => {
  it.each([
    // Shanghai is UTC+8: 06:00 on 1 March local is 22:00 on 28 February UTC.
    ['2026-02-28T21:59:59Z', 'Asia/Shanghai', { year: 2026, month: 1 }],
    ['2026-02-28T22:00:00Z', 'Asia/Shanghai', { year: 2026, month: 2 }],
    ['2026-03-31T15:59:59Z', 'Asia/Shanghai', { year: 2026, month: 2 }],
    // New Year: the December report is due from 06:00 on 1 January.
    ['2025-12-31T21:59:00Z', 'Asia/Shanghai', { year: 2025, month: 11 }],
    ['2025-12-31T22:00:00Z', 'Asia/Shanghai', { year: 2025, month: 12 }],
    ['2026-01-15T04:00:00Z', 'Asia/Shanghai', { year: 2025, month: 12 }],
    // The day counts in the policy zone, not in UTC: the same instant is still 28 February in London.
    ['2026-02-28T22:00:00Z', 'Europe/London', { year: 2026, month: 1 }],
    ['2026-03-01T06:00:00Z', 'Europe/London', { year: 2026, month: 2 }],
  ])('at %s in %s it is %j', (at, zone, expected) => {
    expect(dueMonth(new Date(at), zone)).toEqual(expected);
  });
});
