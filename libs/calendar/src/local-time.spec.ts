import { addDays, localDate, localMinutes, utcOffsetMinutes, weekdayOf, zonedTime } from './local-time.js';

describe('policy local time', () => {
  it.each([
    ['2026-02-13T15:59:59Z', '2026-02-13', 23 * 60 + 59],
    ['2026-02-13T16:00:00Z', '2026-02-14', 0],
    ['2026-02-14T00:30:00Z', '2026-02-14', 8 * 60 + 30],
    ['2025-12-31T16:00:00Z', '2026-01-01', 0],
  ])('reads %s as %s at minute %d in Asia/Shanghai', (iso, day, minutes) => {
    expect(localDate(new Date(iso))).toBe(day);
    expect(localMinutes(Date.parse(iso))).toBe(minutes);
  });

  it('uses the zone it is given, not the process zone', () => {
    expect(utcOffsetMinutes(Date.parse('2026-07-01T00:00:00Z'), 'Asia/Shanghai')).toBe(480);
    expect(utcOffsetMinutes(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Berlin')).toBe(120);
    expect(utcOffsetMinutes(Date.parse('2026-01-01T00:00:00Z'), 'Europe/Berlin')).toBe(60);
    expect(localDate(Date.parse('2026-03-29T00:30:00Z'), 'Europe/Berlin')).toBe('2026-03-29');
    expect(localMinutes(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toBe(3 * 60 + 30);
  });

  it('agrees with Intl on every day from 1999 to 2101', () => {
    const intl = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' });
    const wrong: string[] = [];
    for (let ms = Date.UTC(1999, 0, 1, 3); ms < Date.UTC(2101, 0, 1); ms += 86_400_000) {
      if (localDate(ms) !== intl.format(ms)) wrong.push(`${intl.format(ms)} read as ${localDate(ms)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('turns a local wall-clock time into the instant', () => {
    expect(zonedTime('2026-02-14', '08:30').toISOString()).toBe('2026-02-14T00:30:00.000Z');
    expect(zonedTime('2026-07-01', '12:00', 'Europe/Berlin').toISOString()).toBe('2026-07-01T10:00:00.000Z');
  });

  it('knows weekdays and adds days across months', () => {
    expect(weekdayOf('2026-02-14')).toBe(6);
    expect(weekdayOf('2026-02-16')).toBe(1);
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });
});
