import { utcOffsetMinutes } from '#app/calendar';

/**
 * Wall-clock time in the policy zone, fast enough to run once per position: the zone's offset comes from
 * the calendar's cached lookup, the rest is arithmetic.
 */
const DAY = 86_400_000;

export interface LocalClock {
  /** YYYY-MM-DD in the zone. */
  date: string;
  /** Minutes since local midnight, with fractions (08:30:30 → 510.5). */
  minutes: number;
  /** The instant of local midnight that starts `date`. */
  midnight: number;
}

const dateStrings = new Map<number, string>();

function dayString(localDay: number): string {
  let s = dateStrings.get(localDay);
  if (s === undefined) {
    s = new Date(localDay * DAY).toISOString().slice(0, 10);
    if (dateStrings.size > 100_000) dateStrings.clear();
    dateStrings.set(localDay, s);
  }
  return s;
}

export function localClock(t: number, timeZone: string): LocalClock {
  // The zone's offset comes from the calendar's cached lookup (per quarter hour).
  const offset = utcOffsetMinutes(t, timeZone) * 60_000;
  const local = t + offset;
  const day = Math.floor(local / DAY);
  const intoDay = local - day * DAY;
  return { date: dayString(day), minutes: intoDay / 60_000, midnight: t - intoDay };
}

/** "08:30" → 510. */
export function parseClock(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59) throw new Error(`not a clock time: "${hhmm}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}
