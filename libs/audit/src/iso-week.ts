import { addDays, civilDate, localDate, zonedTime } from '#app/calendar';

/** One ISO 8601 week as the policy zone sees it: Monday 00:00 to the next Monday 00:00 local time. */
export interface IsoWeek {
  /** `2026-W48` */
  label: string;
  year: number;
  week: number;
  /** Monday, `YYYY-MM-DD` */
  firstDay: string;
  /** Sunday, `YYYY-MM-DD` */
  lastDay: string;
  start: Date;
  /** Exclusive: the start of the next week. */
  end: Date;
}

const LABEL = /^(\d{4})-W(\d{2})$/;

function utcDay(day: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function isoWeekOfDay(day: string): { year: number; week: number; monday: string } {
  const date = utcDay(day);
  const dow = date.getUTCDay() || 7;
  const monday = addDays(day, 1 - dow);
  const thursday = utcDay(addDays(day, 4 - dow));
  const year = thursday.getUTCFullYear();
  const week = Math.ceil(((thursday.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return { year, week, monday };
}

function build(year: number, week: number, monday: string, timeZone: string): IsoWeek {
  const nextMonday = addDays(monday, 7);
  return {
    label: `${year}-W${String(week).padStart(2, '0')}`,
    year,
    week,
    firstDay: monday,
    lastDay: addDays(monday, 6),
    start: zonedTime(monday, '00:00', timeZone),
    end: zonedTime(nextMonday, '00:00', timeZone),
  };
}

/** The ISO week that contains the instant, in the zone. */
export function isoWeekAt(instant: Date, timeZone: string): IsoWeek {
  const { year, week, monday } = isoWeekOfDay(localDate(instant, timeZone));
  return build(year, week, monday, timeZone);
}

/** Parses `2026-W48`; undefined when the label is malformed or the year has no such week. */
export function parseIsoWeek(label: string, timeZone: string): IsoWeek | undefined {
  const match = LABEL.exec(label);
  if (!match) return undefined;
  const year = Number(match[1]);
  const week = Number(match[2]);
  // 28 December always lies in the last ISO week of its year.
  const weeksInYear = isoWeekOfDay(civilDate(year, 12, 28)).week;
  if (week < 1 || week > weeksInYear) return undefined;
  const jan4 = civilDate(year, 1, 4);
  const monday = addDays(isoWeekOfDay(jan4).monday, (week - 1) * 7);
  return build(year, week, monday, timeZone);
}

/** The week `offset` weeks after (negative: before) the given one. */
export function shiftWeek(week: IsoWeek, offset: number, timeZone: string): IsoWeek {
  const monday = addDays(week.firstDay, offset * 7);
  const { year, week: n } = isoWeekOfDay(monday);
  return build(year, n, monday, timeZone);
}
