import { BadRequestException, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '#app/auth';
import { storeOfficialSchedules, weekdayOf, type CalendarDay } from '#app/calendar';
import { HistoryService } from '#app/history';
import { rootLogger } from '#app/logging';
import type { PutCalendarYearDto } from './calendar.dto.js';

export interface CalendarYearView {
  year: number;
  /** False when nothing is stored for the year: weekends are then the only rest days. */
  hasData: boolean;
  source: string | null;
  loadedAt: Date | null;
  days: CalendarDay[];
}

/** The working calendar per year as data: shipped official schedules, editable by admins. */
@Injectable()
export class CalendarService implements OnModuleInit {
  private readonly logger = rootLogger().child({ component: 'calendar' });
  private readonly warned = new Set<number>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  /** Stores the shipped schedules of years the database does not hold yet (never overwrites an edit). */
  async onModuleInit(): Promise<void> {
    const added = await storeOfficialSchedules(this.db);
    if (added.length > 0) this.logger.info({ years: added }, 'stored the official holiday schedules');
  }

  async get(year: number): Promise<CalendarYearView> {
    const [meta] = (await this.db.query('SELECT source, loaded_at FROM calendar_years WHERE year = $1', [year])) as {
      source: string;
      loaded_at: Date;
    }[];
    if (!meta) {
      if (!this.warned.has(year)) {
        this.warned.add(year);
        this.logger.warn({ year }, `no working calendar for ${year}: only weekends count as rest days`);
      }
      return { year, hasData: false, source: null, loadedAt: null, days: [] };
    }
    const days: CalendarDay[] = await this.db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, name FROM calendar_days
        WHERE day BETWEEN make_date($1, 1, 1) AND make_date($1, 12, 31) ORDER BY day`,
      [year],
    );
    return { year, hasData: true, source: meta.source, loadedAt: meta.loaded_at, days };
  }

  /** Replaces the year's days, after checking every one of them; the change is kept in the history. */
  async put(year: number, body: PutCalendarYearDto, principal: Principal): Promise<CalendarYearView> {
    const errors: string[] = [];
    const seen = new Set<string>();
    body.days.forEach((d, i) => {
      const parsed = new Date(`${d.day}T00:00:00Z`);
      if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== d.day) {
        errors.push(`days[${i}]: ${d.day} is not a real date`);
        return;
      }
      if (!d.day.startsWith(`${year}-`)) errors.push(`days[${i}]: ${d.day} is not in ${year}`);
      if (seen.has(d.day)) errors.push(`days[${i}]: ${d.day} is listed twice`);
      seen.add(d.day);
      const weekday = weekdayOf(d.day);
      if (d.kind === 'workday' && weekday !== 0 && weekday !== 6) {
        errors.push(`days[${i}]: ${d.day} is a weekday; a make-up working day (workday) must fall on a weekend`);
      }
    });
    if (errors.length > 0) throw new BadRequestException(errors);
    const source = body.source ?? `edited by ${principal.name}`;
    await this.db.transaction(async (m) => {
      await m.query(
        `INSERT INTO calendar_years (year, source, loaded_at) VALUES ($1, $2, now())
         ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source, loaded_at = now()`,
        [year, source],
      );
      await m.query('DELETE FROM calendar_days WHERE day BETWEEN make_date($1, 1, 1) AND make_date($1, 12, 31)', [
        year,
      ]);
      if (body.days.length > 0) {
        await m.query(
          `INSERT INTO calendar_days (day, kind, name)
           SELECT r.day, r.kind, r.name FROM jsonb_to_recordset($1::jsonb) AS r(day date, kind text, name text)`,
          [JSON.stringify(body.days.map(({ day, kind, name }) => ({ day, kind, name })))],
        );
      }
      await this.history.append(m, {
        entityType: 'calendar_year',
        entityId: String(year),
        action: 'replaced',
        actor: principal.name,
        data: { source, days: body.days.length },
      });
    });
    return this.get(year);
  }
}
