import { addDays } from './local-time.js';

/**
 * The State Council's holiday schedules (国务院办公厅关于部分节假日安排的通知): rest days of each holiday
 * period (放假调休) and the weekend days worked in exchange (调休上班).
 *
 * Sources: the notices for 2025 (published 2024-11-12) and 2026 (published 2025-11-04), as kept in machine
 * form by the maintained NateScarlet/holiday-cn data set (https://github.com/NateScarlet/holiday-cn,
 * files 2025.json and 2026.json). Add a year here when the State Council publishes it (usually November);
 * admins can also load or correct a year at run time with PUT /api/v1/calendar/{year}.
 */
export interface HolidayPeriod {
  name: string;
  /** First and last rest day, inclusive. */
  rest: [string, string];
  /** Weekend days that are working days for this holiday. */
  workdays: string[];
}

export interface OfficialSchedule {
  year: number;
  source: string;
  periods: HolidayPeriod[];
}

export const OFFICIAL_SCHEDULES: readonly OfficialSchedule[] = [
  {
    year: 2025,
    source: '国务院办公厅关于2025年部分节假日安排的通知 (2024-11-12); holiday-cn 2025.json',
    periods: [
      { name: '元旦', rest: ['2025-01-01', '2025-01-01'], workdays: [] },
      { name: '春节', rest: ['2025-01-28', '2025-02-04'], workdays: ['2025-01-26', '2025-02-08'] },
      { name: '清明节', rest: ['2025-04-04', '2025-04-06'], workdays: [] },
      { name: '劳动节', rest: ['2025-05-01', '2025-05-05'], workdays: ['2025-04-27'] },
      { name: '端午节', rest: ['2025-05-31', '2025-06-02'], workdays: [] },
      { name: '国庆节、中秋节', rest: ['2025-10-01', '2025-10-08'], workdays: ['2025-09-28', '2025-10-11'] },
    ],
  },
  {
    year: 2026,
    source: '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04); holiday-cn 2026.json',
    periods: [
      { name: '元旦', rest: ['2026-01-01', '2026-01-03'], workdays: ['2026-01-04'] },
      { name: '春节', rest: ['2026-02-15', '2026-02-23'], workdays: ['2026-02-14', '2026-02-28'] },
      { name: '清明节', rest: ['2026-04-04', '2026-04-06'], workdays: [] },
      { name: '劳动节', rest: ['2026-05-01', '2026-05-05'], workdays: ['2026-05-09'] },
      { name: '端午节', rest: ['2026-06-19', '2026-06-21'], workdays: [] },
      { name: '中秋节', rest: ['2026-09-25', '2026-09-27'], workdays: [] },
      { name: '国庆节', rest: ['2026-10-01', '2026-10-07'], workdays: ['2026-09-20', '2026-10-10'] },
    ],
  },
];

export const CALENDAR_DAY_KINDS = ['holiday', 'workday'] as const;
export type CalendarDayKind = (typeof CALENDAR_DAY_KINDS)[number];

/** One day that differs from the plain weekday/weekend rule, or a holiday that falls on a weekend. */
export interface CalendarDay {
  day: string;
  kind: CalendarDayKind;
  name: string;
}

/** The schedule as day rows: every rest day of a period is `holiday`, every 调休 day `workday`. */
export function scheduleDays(schedule: OfficialSchedule): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (const period of schedule.periods) {
    for (let d = period.rest[0]; d <= period.rest[1]; d = addDays(d, 1)) {
      days.push({ day: d, kind: 'holiday', name: period.name });
    }
    for (const d of period.workdays) days.push({ day: d, kind: 'workday', name: `${period.name}调休上班` });
  }
  return days.sort((a, b) => a.day.localeCompare(b.day));
}

export function officialSchedule(year: number): OfficialSchedule | undefined {
  return OFFICIAL_SCHEDULES.find((s) => s.year === year);
}
