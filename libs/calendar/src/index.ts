export {
  POLICY_TIME_ZONE,
  localDate,
  localMinutes,
  utcOffsetMinutes,
  weekdayOf,
  zonedTime,
  addDays,
  civilDate,
  isCalendarDate,
  formatLocal,
} from './local-time.js';
export { OFFICIAL_SCHEDULES, CALENDAR_DAY_KINDS, scheduleDays, officialSchedule } from './official-schedules.js';
export type { CalendarDay, CalendarDayKind, HolidayPeriod, OfficialSchedule } from './official-schedules.js';
export { PolicyCalendar } from './working-calendar.js';
export type { CalendarWarnings } from './working-calendar.js';
export { loadCalendar, storeOfficialSchedules } from './load-calendar.js';
export type { SqlRunner } from './load-calendar.js';
export { CLOCK, ClockModule, systemClock, fixedClock } from './clock.js';
export type { Clock } from './clock.js';
