import { OFFICIAL_SCHEDULES, scheduleDays } from './official-schedules.js';
import { PolicyCalendar } from './working-calendar.js';

/** Records the warnings a calendar logs. */
function recorder() {
  const calls: [{ year: number }, string][] = [];
  const warn = (data: { year: number }, message: string) => {
    calls.push([data, message]);
  };
  return Object.assign(warn, { calls });
}

function shippedCalendar(warn = recorder()) {
  const days = OFFICIAL_SCHEDULES.flatMap(scheduleDays);
  const sink = { warn };
  return { calendar: new PolicyCalendar(days, [2025, 2026], sink), warn, sink };
}

describe('working calendar', () => {
  const { calendar } = shippedCalendar();

  it('works on Saturday 2026-02-14, the Spring Festival make-up day, and rests on holiday Monday 2026-02-16', () => {
    expect(calendar.isWorkingDay('2026-02-14')).toBe(true);
    expect(calendar.isStatutoryHoliday('2026-02-14')).toBe(false);
    expect(calendar.isWorkingDay('2026-02-16')).toBe(false);
    expect(calendar.isStatutoryHoliday('2026-02-16')).toBe(true);
  });

  it.each([
    ['2026-01-04', true, 'Sunday worked for New Year'],
    ['2026-01-02', false, 'New Year holiday Friday'],
    ['2026-02-28', true, 'Saturday worked for Spring Festival'],
    ['2026-02-21', false, 'Spring Festival Saturday'],
    ['2026-05-09', true, 'Saturday worked for Labour Day'],
    ['2026-09-20', true, 'Sunday worked for National Day'],
    ['2026-10-07', false, 'National Day Wednesday'],
    ['2026-10-10', true, 'Saturday worked for National Day'],
    ['2026-03-04', true, 'plain Wednesday'],
    ['2026-03-07', false, 'plain Saturday'],
    ['2025-01-26', true, 'Sunday worked for Spring Festival 2025'],
    ['2025-10-08', false, 'National Day and Mid-Autumn 2025'],
    ['2025-10-11', true, 'Saturday worked for National Day 2025'],
  ])('says %s is a working day: %s (%s)', (day, working) => {
    expect(calendar.isWorkingDay(day)).toBe(working);
  });

  it('ships 2026 with 33 rest days and 6 make-up working days', () => {
    const days = scheduleDays(OFFICIAL_SCHEDULES.find((s) => s.year === 2026)!);
    expect(days.filter((d) => d.kind === 'holiday')).toHaveLength(33);
    expect(days.filter((d) => d.kind === 'workday').map((d) => d.day)).toEqual([
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
  });

  it('falls back to weekends for a year without data and warns once for that year, also across reloads', () => {
    const { calendar: c, warn, sink } = shippedCalendar();
    expect(c.isWorkingDay('2027-10-01')).toBe(true);
    expect(c.isWorkingDay('2027-10-02')).toBe(false);
    expect(c.isStatutoryHoliday('2027-10-01')).toBe(false);
    expect(warn.calls).toEqual([[{ year: 2027 }, expect.stringContaining('no working calendar for 2027')]]);
    c.isWorkingDay('2026-03-02');
    expect(warn.calls).toHaveLength(1);
    const reloaded = new PolicyCalendar([], [2026], sink);
    reloaded.isWorkingDay('2027-05-05');
    expect(warn.calls).toHaveLength(1);
  });
});
