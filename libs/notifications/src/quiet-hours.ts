import { addDays, localDate, localMinutes, zonedTime } from '#app/calendar';

/** A daily stretch of local time, `from` inclusive to `to` exclusive; `to` before `from` runs past midnight. */
export interface QuietHours {
  from: string;
  to: string;
}

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const isClockTime = (value: unknown): value is string => typeof value === 'string' && CLOCK.test(value);

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the quiet hours around `now` end, read in the zone (the district's): null when `now` is not inside them.
 * 22:00–07:00 at 23:10 on the 19th ends at 07:00 on the 20th; at 06:00 on the 20th, at 07:00 the same day.
 */
export function quietUntil(now: Date, quiet: QuietHours, timeZone: string): Date | null {
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return null;
  const at = localMinutes(now, timeZone);
  const today = localDate(now, timeZone);
  if (from < to) return at >= from && at < to ? zonedTime(today, quiet.to, timeZone) : null;
  if (at >= from) return zonedTime(addDays(today, 1), quiet.to, timeZone);
  if (at < to) return zonedTime(today, quiet.to, timeZone);
  return null;
}

/** The end of the latest of several quiet stretches `now` is inside, or null when it is inside none. */
export function quietEnd(now: Date, stretches: (QuietHours | null)[], timeZone: string): Date | null {
  let end: Date | null = null;
  for (const q of stretches) {
    const until = q ? quietUntil(now, q, timeZone) : null;
    if (until && (!end || until > end)) end = until;
  }
  return end;
}
