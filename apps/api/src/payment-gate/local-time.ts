/** Calendar and offset arithmetic in the policy time zone, independent of the process time zone. */

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Building a formatter is far dearer than using one, so there is one per zone. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(instant: Date, timeZone: string): Record<string, number> {
  const fields = formatter(timeZone).formatToParts(instant);
  const out: Record<string, number> = {};
  for (const f of fields) if (f.type !== 'literal') out[f.type] = Number(f.value);
  return out;
}

/** Offsets change only on whole minutes, so one lookup per zone and UTC minute is exact. */
const offsets = new Map<string, { minute: number; offsetMin: number }>();

/** Minutes the zone is ahead of UTC at this instant (480 for Asia/Shanghai). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const minute = Math.floor(instant.getTime() / 60_000);
  const cached = offsets.get(timeZone);
  if (cached?.minute === minute) return cached.offsetMin;
  const at = new Date(minute * 60_000);
  const p = parts(at, timeZone);
  const offsetMin = Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - at.getTime()) / 60_000);
  offsets.set(timeZone, { minute, offsetMin });
  return offsetMin;
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** The local calendar day of an instant, `YYYY-MM-DD`. */
export function localDate(instant: Date, timeZone: string): string {
  return new Date(instant.getTime() + offsetMinutes(instant, timeZone) * 60_000).toISOString().slice(0, 10);
}

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
