import { stopsBetween } from './activity-report.js';
import { formatValue, hoursMinutes } from './format.js';
import { axisOf, niceMax } from './render-pdf.js';
import { ReportError, checkRequest, localPeriod, monthDays, periodKey } from './report-request.js';

const TZ = 'Asia/Shanghai';
const at = (local: string) => new Date(`${local}+08:00`);
const trip = (start: string, end: string) => ({
  start_time: at(start),
  end_time: at(end),
  end_lat: 33.9,
  end_lon: 118.3,
});

describe('stops between trips', () => {
  it('is each gap between the end of one trip and the start of the next, where the first ended', () => {
    const stops = stopsBetween([
      trip('2026-03-02T08:40:00', '2026-03-02T09:10:00'),
      trip('2026-03-02T11:00:00', '2026-03-02T11:30:00'),
      trip('2026-03-03T09:00:00', '2026-03-03T09:20:00'),
    ]);
    expect(stops.map((s) => [s.from, s.to])).toEqual([
      [at('2026-03-02T09:10:00'), at('2026-03-02T11:00:00')],
      [at('2026-03-02T11:30:00'), at('2026-03-03T09:00:00')],
    ]);
  });

  it('has none for one trip or none, and none where trips touch', () => {
    expect(stopsBetween([])).toEqual([]);
    expect(stopsBetween([trip('2026-03-02T08:40:00', '2026-03-02T09:10:00')])).toEqual([]);
    expect(
      stopsBetween([
        trip('2026-03-02T08:40:00', '2026-03-02T09:10:00'),
        trip('2026-03-02T09:10:00', '2026-03-02T09:30:00'),
      ]),
    ).toEqual([]);
  });
});

describe('periods of a report', () => {
  it('runs from 00:00 of the first day to 24:00 of the last in the policy zone', () => {
    expect(localPeriod('2026-03-01', '2026-03-31', TZ)).toEqual({
      start: new Date('2026-02-28T16:00:00Z'),
      end: new Date('2026-03-31T16:00:00Z'),
      days: 31,
    });
  });

  it.each([
    ['2026-03-31', '2026-03-01', /to \(2026-03-01\) must not be before from/],
    ['2026-02-30', '2026-03-01', /from must be a date/],
    ['2026-03-01', '2026-3-5', /to must be a date/],
    ['2024-01-01', '2025-01-01', /367 days; at most 366/],
  ])('refuses from %s to %s', (from, to, message) => {
    expect(() => localPeriod(from, to, TZ)).toThrow(message);
  });

  it('knows the days of a month, December and a leap February included', () => {
    expect(monthDays(2024, 2)).toEqual({ first: '2024-02-01', last: '2024-02-29' });
    expect(monthDays(2025, 12)).toEqual({ first: '2025-12-01', last: '2025-12-31' });
    expect(() => monthDays(2025, 13)).toThrow(ReportError);
  });

  it('checks a request’s own fields and names the period it covers', () => {
    expect(() => checkRequest({ kind: 'weekly_audit', week: '2026-W54' }, TZ)).toThrow(/ISO week/);
    expect(periodKey({ kind: 'monthly_oversight', year: 2026, month: 3 })).toBe('2026-03');
    expect(periodKey({ kind: 'weekly_audit', week: '2026-W10' })).toBe('2026-W10');
    expect(periodKey({ kind: 'activity', from: '2026-03-01', to: '2026-03-31' })).toBe('2026-03-01..2026-03-31');
  });
});

describe('values as the PDF prints them', () => {
  it.each([
    [1234567, 'int', '1,234,567'],
    [46.0, 'km', '46.0'],
    [435000, 'money', '435,000.00'],
    [0.19354, 'percent', '19.4 %'],
    [13 * 3600 + 45 * 60, 'duration', '13:45'],
    [null, 'int', '—'],
  ] as const)('%s as %s is %s', (value, kind, text) => {
    expect(formatValue(value, kind, TZ)).toBe(text);
  });

  it('prints times as wall time in the policy zone', () => {
    expect(formatValue(new Date('2026-03-02T00:40:00Z'), 'time', TZ)).toBe('2026-03-02 08:40');
    expect(hoursMinutes(59)).toBe('0:01');
  });
});

describe('chart axes', () => {
  it.each([
    [0, 0],
    [1, 1],
    [3, 5],
    [41, 50],
    [435000, 500000],
    [100, 100],
  ])('the axis for %s ends at %s', (value, max) => {
    expect(niceMax(value)).toBe(max);
  });

  it.each([
    [1, 'int', { max: 4, ticks: 4 }],
    [0, 'int', { max: 4, ticks: 4 }],
    [41, 'int', { max: 50, ticks: 5 }],
    [435000, 'money', { max: 500000, ticks: 5 }],
    [0.19, 'percent', { max: 0.2, ticks: 4 }],
  ] as const)('counts of %s (%s) get whole, round steps: %j', (value, kind, axis) => {
    expect(axisOf(value, kind)).toEqual(axis);
  });
});
