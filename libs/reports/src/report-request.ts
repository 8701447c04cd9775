import { parseIsoWeek } from '#app/audit';
import { addDays, civilDate, isCalendarDate, zonedTime } from '#app/calendar';
import type { ReportKind } from './report-model.js';

/** What a report is asked for: its kind and what it covers. Stored with a job as it was asked. */
export type ReportRequest =
  | {
      kind: 'activity';
      /** One car, one unit's cars, or (neither) the whole fleet. */
      vehicleId?: string;
      unitId?: string;
      /** Local days in the policy zone, both included. */
      from: string;
      to: string;
    }
  | { kind: 'weekly_audit'; week: string }
  | { kind: 'monthly_oversight'; year: number; month: number };

/** The longest period an activity report covers: a year. */
export const MAX_ACTIVITY_DAYS = 366;

/** Why a report cannot be made. Closed set; the API gives each its status. */
export const REPORT_ERRORS = {
  BAD_PERIOD: 400,
  BAD_WEEK: 400,
  BAD_MONTH: 400,
  VEHICLE_NOT_FOUND: 404,
  UNIT_NOT_FOUND: 404,
  WEEK_NOT_DRAWN: 404,
} as const;
export type ReportErrorCode = keyof typeof REPORT_ERRORS;

export class ReportError extends Error {
  constructor(
    readonly code: ReportErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The instants [start, end) of the local days from … to (both included) in the zone. */
export function localPeriod(from: string, to: string, timeZone: string): { start: Date; end: Date; days: number } {
  if (!isCalendarDate(from)) throw new ReportError('BAD_PERIOD', `from must be a date YYYY-MM-DD, got ${from}`);
  if (!isCalendarDate(to)) throw new ReportError('BAD_PERIOD', `to must be a date YYYY-MM-DD, got ${to}`);
  if (to < from) throw new ReportError('BAD_PERIOD', `to (${to}) must not be before from (${from})`);
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
  if (days > MAX_ACTIVITY_DAYS) {
    throw new ReportError(
      'BAD_PERIOD',
      `the period from ${from} to ${to} is ${days} days; at most ${MAX_ACTIVITY_DAYS}`,
    );
  }
  return { start: zonedTime(from, '00:00', timeZone), end: zonedTime(addDays(to, 1), '00:00', timeZone), days };
}

/** The local days of a month: its first and last. */
export function monthDays(year: number, month: number): { first: string; last: string } {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    throw new ReportError('BAD_MONTH', `year must be a whole number from 2000 to 2100, got ${year}`);
  }
  if (!Number.isInteger(month) || month < 1 || month > 12) {
    throw new ReportError('BAD_MONTH', `month must be a whole number from 1 to 12, got ${month}`);
  }
  const first = civilDate(year, month, 1);
  const next = month === 12 ? civilDate(year + 1, 1, 1) : civilDate(year, month + 1, 1);
  return { first, last: addDays(next, -1) };
}

/** Checks a request's own fields (not whether its car or week exists); throws ReportError naming the field. */
export function checkRequest(request: ReportRequest, timeZone: string): void {
  switch (request.kind) {
    case 'activity':
      localPeriod(request.from, request.to, timeZone);
      return;
    case 'weekly_audit':
      if (!parseIsoWeek(request.week, timeZone)) {
        throw new ReportError('BAD_WEEK', `week must be an ISO week YYYY-Www, got ${request.week}`);
      }
      return;
    case 'monthly_oversight':
      monthDays(request.year, request.month);
      return;
  }
}

/** The period a request covers, as a key: `2026-03`, `2026-W10`, `2026-03-01..2026-03-31`. */
export function periodKey(request: ReportRequest): string {
  switch (request.kind) {
    case 'activity':
      return `${request.from}..${request.to}`;
    case 'weekly_audit':
      return request.week;
    case 'monthly_oversight':
      return `${request.year}-${String(request.month).padStart(2, '0')}`;
  }
}

export const KIND_TITLES: Record<ReportKind, string> = {
  activity: '公务用车运行报告 Car activity report',
  weekly_audit: '每周抽查报告 Weekly audit report',
  monthly_oversight: '公务用车监管月报 Monthly oversight report',
};
