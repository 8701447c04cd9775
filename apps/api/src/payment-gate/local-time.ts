/** Calendar and offset arithmetic in the policy time zone, independent of the process time zone. */
import { localDate, utcOffsetMinutes } from '#app/calendar';

/** Minutes the zone is ahead of UTC at this instant (480 for Asia/Shanghai). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  return utcOffsetMinutes(instant, timeZone);
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

export { localDate };

/** An instant as local wall time with its offset, to the second: `2026-11-26T10:01:02+08:00`. */
export function formatLocal(instant: Date, timeZone: string): string {
  const offsetMin = offsetMinutes(instant, timeZone);
  const wall = new Date(instant.getTime() + offsetMin * 60_000).toISOString().slice(0, 19);
  const sign = offsetMin < 0 ? '-' : '+';
  return `${wall}${sign}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === value;
}
