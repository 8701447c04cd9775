import type { WorkingCalendar } from '#app/rules';
import type { CalendarDay, CalendarDayKind } from './official-schedules.js';
import { weekdayOf } from './local-time.js';

export interface CalendarWarnings {
  warn(data: { year: number }, message: string): void;
}

/** Years already warned about, per sink: calendars reloaded with the same sink warn once per year in all. */
const warnedBySink = new WeakMap<CalendarWarnings, Set<number>>();

/**
 * Working days per policy: Monday–Friday work, weekends rest, statutory holidays rest, make-up working days
 * (调休) work. Years without data fall back to weekends only, with one warning per year.
 */
export class PolicyCalendar implements WorkingCalendar {
  private readonly days = new Map<string, CalendarDayKind>();
  private readonly years: ReadonlySet<number>;
  private readonly warned: Set<number>;

  constructor(
    days: readonly CalendarDay[],
    years: Iterable<number>,
    private readonly warnings?: CalendarWarnings,
  ) {
    for (const d of days) this.days.set(d.day, d.kind);
    this.years = new Set(years);
    let warned = warnings ? warnedBySink.get(warnings) : undefined;
    if (!warned) {
      warned = new Set();
      if (warnings) warnedBySink.set(warnings, warned);
    }
    this.warned = warned;
  }

  /** Years the calendar has data for. */
  knownYears(): number[] {
    return [...this.years].sort((a, b) => a - b);
  }

  hasYear(year: number): boolean {
    return this.years.has(year);
  }

  isWorkingDay(localDate: string): boolean {
    const kind = this.kindOf(localDate);
    if (kind) return kind === 'workday';
    const weekday = weekdayOf(localDate);
    return weekday !== 0 && weekday !== 6;
  }

  isStatutoryHoliday(localDate: string): boolean {
    return this.kindOf(localDate) === 'holiday';
  }

  private kindOf(localDate: string): CalendarDayKind | undefined {
    const year = Number(localDate.slice(0, 4));
    if (!this.years.has(year) && !this.warned.has(year)) {
      this.warned.add(year);
      this.warnings?.warn(
        { year },
        `no working calendar for ${year}: only weekends count as rest days; load the year with PUT /api/v1/calendar/${year}`,
      );
    }
    return this.days.get(localDate);
  }
}
