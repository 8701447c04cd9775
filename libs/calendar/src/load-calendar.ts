import { rootLogger } from '#app/logging';
import { OFFICIAL_SCHEDULES, scheduleDays, type CalendarDay } from './official-schedules.js';
import { PolicyCalendar, type CalendarWarnings } from './working-calendar.js';

let processWarnings: CalendarWarnings | undefined;
/** One sink per process, so a calendar reloaded every few minutes still warns once per missing year. */
function warnings(): CalendarWarnings {
  if (!processWarnings) {
    const logger = rootLogger().child({ component: 'working-calendar' });
    processWarnings = { warn: (data, message) => logger.warn(data, message) };
  }
  return processWarnings;
}

/** A TypeORM DataSource/EntityManager (rows) or a pg Pool/Client (`{ rows }`). */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

async function rows<T>(db: SqlRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params);
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

/**
 * The working calendar for these years (all stored and shipped years when omitted). A year stored in the
 * database wins (admins may have corrected it); a shipped official schedule fills a year not stored yet;
 * any other year falls back to weekends with a warning.
 */
export async function loadCalendar(db: SqlRunner, years?: readonly number[]): Promise<PolicyCalendar> {
  const stored = await rows<{ year: number }>(
    db,
    years ? 'SELECT year FROM calendar_years WHERE year = ANY($1)' : 'SELECT year FROM calendar_years',
    years ? [years] : [],
  );
  const storedYears = stored.map((r) => Number(r.year));
  const days: CalendarDay[] = storedYears.length
    ? await rows<CalendarDay>(
        db,
        `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, name FROM calendar_days
          WHERE extract(year FROM day)::int = ANY($1) ORDER BY day`,
        [storedYears],
      )
    : [];
  const known = new Set(storedYears);
  for (const schedule of OFFICIAL_SCHEDULES) {
    if (known.has(schedule.year) || (years && !years.includes(schedule.year))) continue;
    days.push(...scheduleDays(schedule));
    known.add(schedule.year);
  }
  return new PolicyCalendar(days, known, warnings());
}

/**
 * Stores each shipped official schedule whose year is not in the database yet; a year already stored
 * (possibly edited by an admin) is never overwritten. One statement per year, so it is atomic and safe
 * when several instances start together. Returns the years added.
 */
export async function storeOfficialSchedules(db: SqlRunner): Promise<number[]> {
  const added: number[] = [];
  for (const schedule of OFFICIAL_SCHEDULES) {
    const inserted = await rows<{ year: number }>(
      db,
      `WITH y AS (
         INSERT INTO calendar_years (year, source) VALUES ($1, $2) ON CONFLICT (year) DO NOTHING RETURNING year
       ), d AS (
         INSERT INTO calendar_days (day, kind, name)
         SELECT r.day, r.kind, r.name FROM y, jsonb_to_recordset($3::jsonb) AS r(day date, kind text, name text)
         ON CONFLICT (day) DO NOTHING
       )
       SELECT year FROM y`,
      [schedule.year, schedule.source, JSON.stringify(scheduleDays(schedule))],
    );
    if (inserted.length > 0) added.push(schedule.year);
  }
  return added;
}
