import { isoWeekAt, parseIsoWeek, shiftWeek } from './iso-week.js';

const TZ = 'Asia/Shanghai';

describe('ISO weeks in Asia/Shanghai', () => {
  it.each([
    ['2026-11-22T16:00:00Z', '2026-W48', 'Monday 00:00 local starts the week'],
    ['2026-11-22T15:59:59Z', '2026-W47', 'Sunday 23:59:59 local still ends the week before'],
    ['2026-11-26T07:45:00Z', '2026-W48', 'a Thursday morning'],
    ['2020-12-31T16:00:00Z', '2020-W53', '1 January 2021 local belongs to the 53rd week of 2020'],
    ['2024-12-29T16:00:00Z', '2025-W01', '30 December 2024 local belongs to week 1 of 2025'],
  ])('puts %s in %s (%s)', (instant, label) => {
    expect(isoWeekAt(new Date(instant), TZ).label).toBe(label);
  });

  it('gives a week its local Monday-to-Monday bounds', () => {
    const week = parseIsoWeek('2026-W48', TZ)!;
    expect(week.firstDay).toBe('2026-11-23');
    expect(week.lastDay).toBe('2026-11-29');
    expect(week.start.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(week.end.toISOString()).toBe('2026-11-29T16:00:00.000Z');
  });

  it.each(['2025-W53', '2026-W00', '2026-W54', '2026-48', 'W48', '2026-W4'])('refuses the label %s', (label) => {
    expect(parseIsoWeek(label, TZ)).toBeUndefined();
  });

  it('accepts the 53rd week of a long year', () => {
    expect(parseIsoWeek('2026-W53', TZ)?.firstDay).toBe('2026-12-28');
  });

  it('steps across a year boundary', () => {
    const week = parseIsoWeek('2026-W01', TZ)!;
    expect(shiftWeek(week, -1, TZ).label).toBe('2025-W52');
    expect(shiftWeek(parseIsoWeek('2026-W53', TZ)!, 1, TZ).label).toBe('2027-W01');
  });
});
