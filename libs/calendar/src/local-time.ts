/** The time zone policy times are read in (working hours, holidays, night parking). */
export const POLICY_TIME_ZONE = 'Asia/Shanghai';

const QUARTER_HOUR_MS = 15 * 60_000;
const CACHE_LIMIT = 4096;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** UTC offset in minutes per zone and quarter hour: zone offsets change only on quarter-hour instants. */
const offsets = new Map<string, Map<number, number>>();
/** The last answer, since consecutive positions of a car mostly fall in the same quarter hour. */
let lastBucket = NaN;
let lastZone = '';
let lastOffset = 0;

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

/** The zone's offset from UTC in minutes at that instant (Asia/Shanghai: +480). Never the process TZ. */
export function utcOffsetMinutes(instant: Date | number, timeZone: string = POLICY_TIME_ZONE): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const bucket = Math.floor(ms / QUARTER_HOUR_MS);
  if (bucket === lastBucket && timeZone === lastZone) return lastOffset;
  const offset = offsetAt(bucket, timeZone);
  lastBucket = bucket;
  lastZone = timeZone;
  lastOffset = offset;
  return offset;
}

function offsetAt(bucket: number, timeZone: string): number {
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const cached = zone.get(bucket);
  if (cached !== undefined) return cached;
  const at = bucket * QUARTER_HOUR_MS;
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  const offset = Math.round((asUtc - at) / 60_000);
  if (zone.size >= CACHE_LIMIT) zone.clear();
  zone.set(bucket, offset);
  return offset;
}

let lastDayNumber = NaN;
let lastDayText = '';

/** YYYY-MM-DD of a day counted from 1970-01-01 (proleptic Gregorian; H. Hinnant's civil_from_days). */
function dayText(dayNumber: number): string {
  if (dayNumber === lastDayNumber) return lastDayText;
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  lastDayNumber = dayNumber;
  lastDayText = `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
  return lastDayText;
}

/** The local calendar date (YYYY-MM-DD) of an instant in the zone. */
export function localDate(instant: Date | number, timeZone: string = POLICY_TIME_ZONE): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return dayText(Math.floor((ms + utcOffsetMinutes(ms, timeZone) * 60_000) / 86_400_000));
}

/** Minutes since local midnight (0–1439) of an instant in the zone: 08:30 is 510. */
export function localMinutes(instant: Date | number, timeZone: string = POLICY_TIME_ZONE): number {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const local = ms + utcOffsetMinutes(ms, timeZone) * 60_000;
  return Math.floor((((local % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
}

/** Day of the week of a YYYY-MM-DD date: 0 Sunday … 6 Saturday. */
export function weekdayOf(localDay: string): number {
  return new Date(`${localDay}T00:00:00Z`).getUTCDay();
}

/** The instant a local wall-clock time (YYYY-MM-DD, HH:MM) happens in the zone. */
export function zonedTime(localDay: string, time: string, timeZone: string = POLICY_TIME_ZONE): Date {
  const guess = Date.parse(`${localDay}T${time.length === 5 ? `${time}:00` : time}Z`);
  const first = guess - utcOffsetMinutes(guess, timeZone) * 60_000;
  // Re-read the offset at the candidate instant, which differs from the guess's only across a DST change.
  return new Date(guess - utcOffsetMinutes(first, timeZone) * 60_000);
}

/** The YYYY-MM-DD date `days` after (or before) another. */
export function addDays(localDay: string, days: number): string {
  return new Date(Date.parse(`${localDay}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` from its parts. */
export function civilDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** True for a real calendar day written `YYYY-MM-DD`. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().slice(0, 10) === value;
}

const pad2 = (n: number) => String(Math.abs(n)).padStart(2, '0');

/** An instant as local wall time with its offset, to the second: `2026-11-26T10:01:02+08:00`. */
export function formatLocal(instant: Date | number, timeZone: string = POLICY_TIME_ZONE): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  const offsetMin = utcOffsetMinutes(ms, timeZone);
  const wall = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  const sign = offsetMin < 0 ? '-' : '+';
  return `${wall}${sign}${pad2(Math.floor(Math.abs(offsetMin) / 60))}:${pad2(Math.abs(offsetMin) % 60)}`;
}
