/**
 * Wall-clock time in the policy zone, fast enough to run once per position: the zone's offset is looked
 * up through Intl once per hour of UTC time and cached, the rest is arithmetic.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();
const HOUR = 3_600_000;
const DAY = 86_400_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Milliseconds to add to a UTC instant to read the policy zone's wall clock. */
export function zoneOffsetMs(t: number, timeZone: string): number {
  let zone = offsets.get(timeZone);
  if (!zone) {
    zone = new Map();
    offsets.set(timeZone, zone);
  }
  const hour = Math.floor(t / HOUR);
  let offset = zone.get(hour);
  if (offset === undefined) {
    const start = hour * HOUR;
    const parts: Record<string, number> = {};
    for (const p of formatter(timeZone).formatToParts(new Date(start))) {
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    }
    offset = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - start;
    if (zone.size > 100_000) zone.clear();
    zone.set(hour, offset);
  }
  return offset;
}

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
  const offset = zoneOffsetMs(t, timeZone);
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
