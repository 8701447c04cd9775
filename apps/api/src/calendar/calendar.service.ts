import { BadRequestException, Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '#app/auth';
import {
  CLOCK,
  localDate,
  scheduleDays,
  storeOfficialSchedules,
  weekdayOf,
  type CalendarDay,
  type Clock,
  type HolidayPeriod,
} from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { HistoryService } from '#app/history';
import { rootLogger, type Logger } from '#app/logging';
import type { PutCalendarYearDto } from './calendar.dto.js';

export interface CalendarYearView {
  year: number;
  /** False when nothing is stored for the year: weekends are then the only rest days. */
  hasData: boolean;
  source: string | null;
  loadedAt: Date | null;
  days: CalendarDay[];
}

/** Something the centre should act on, shown in GET /api/health and as a banner on the dashboard. */
export interface ServiceWarning {
  code: 'CALENDAR_NEXT_YEAR_MISSING' | 'CALENDAR_YEAR_MISSING' | 'HISTORY_CHAIN_BROKEN' | 'HISTORY_HEAD_MISMATCH';
  message: string;
}

/** How often the daily warning is looked at; it is logged once per local day. */
const WARNING_CHECK_MS = 60 * 60_000;

/** The working calendar per year as data: shipped official schedules, loaded or edited by the centre. */
@Injectable()
export class CalendarService implements OnModuleInit, OnModuleDestroy {
  private readonly logger: Logger;
  private readonly warned = new Set<number>();
  private warningTimer?: NodeJS.Timeout;
  private warningLoggedOn?: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.logger = rootLogger().child({ component: 'calendar' }, { level: config.logLevel });
  }

  /** Stores the shipped schedules of years the database does not hold yet (never overwrites an edit). */
  async onModuleInit(): Promise<void> {
    const added = await storeOfficialSchedules(this.db);
    if (added.length > 0) this.logger.info({ years: added }, 'stored the official holiday schedules');
    await this.logWarningsOncePerDay();
    this.warningTimer = setInterval(() => void this.logWarningsOncePerDay(), WARNING_CHECK_MS);
    this.warningTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.warningTimer);
  }

  /**
   * The year under way must have its official schedule; from 1 December (in the policy zone) the next one too,
   * since the State Council publishes it in November and the first days of January depend on it.
   */
  async warnings(): Promise<ServiceWarning[]> {
    const today = localDate(this.clock.now(), this.config.tzPolicy);
    const year = Number(today.slice(0, 4));
    const december = today.slice(5, 7) === '12';
    const wanted = december ? [year, year + 1] : [year];
    const rows: { year: number }[] = await this.db.query('SELECT year FROM calendar_years WHERE year = ANY($1)', [
      wanted,
    ]);
    const loaded = new Set(rows.map((r) => Number(r.year)));
    const howToLoad = (y: number) =>
      `load it from the State Council notice (PUT /api/v1/calendar/${y}/periods) or a holiday-cn file ` +
      `(PUT /api/v1/calendar/${y}/holiday-cn)`;
    const warnings: ServiceWarning[] = [];
    if (!loaded.has(year)) {
      warnings.push({
        code: 'CALENDAR_YEAR_MISSING',
        message:
          `the official holiday schedule for ${year} is not loaded: working days are judged as Monday to Friday ` +
          `and findings are marked as judged without it; ${howToLoad(year)}`,
      });
    }
    if (december && !loaded.has(year + 1)) {
      warnings.push({
        code: 'CALENDAR_NEXT_YEAR_MISSING',
        message: `the official holiday schedule for ${year + 1} is not loaded yet; ${howToLoad(year + 1)}`,
      });
    }
    return warnings;
  }

  private async logWarningsOncePerDay(): Promise<void> {
    const today = localDate(this.clock.now(), this.config.tzPolicy);
    if (this.warningLoggedOn === today) return;
    try {
      const warnings = await this.warnings();
      this.warningLoggedOn = today;
      for (const warning of warnings) this.logger.warn({ code: warning.code }, warning.message);
    } catch (error) {
      this.logger.warn({ err: error }, 'the calendar warnings could not be checked');
    }
  }

  /** A State Council notice entered as its holiday periods (放假 from–to, 调休上班 days). */
  putPeriods(year: number, source: string | undefined, periods: HolidayPeriod[], principal: Principal) {
    const errors: string[] = [];
    periods.forEach((p, i) => {
      const [from, to] = p.rest;
      if (from > to) errors.push(`periods[${i}].rest: ${from} is after ${to}`);
      else if (daysBetween(from, to) > 15) errors.push(`periods[${i}].rest: a holiday period lasts at most 16 days`);
    });
    if (errors.length > 0) throw new BadRequestException(errors);
    const days = scheduleDays({ year, source: source ?? '', periods });
    return this.put(year, { source: source ?? `notice entered by ${principal.name}`, days }, principal);
  }

  /** A file in the holiday-cn format (https://github.com/NateScarlet/holiday-cn): `isOffDay` false is 调休上班. */
  putHolidayCn(
    year: number,
    file: { year: number; papers?: string[]; days: { name: string; date: string; isOffDay: boolean }[] },
    principal: Principal,
  ) {
    if (file.year !== year) throw new BadRequestException([`year: the file is for ${file.year}, not ${year}`]);
    const days: CalendarDay[] = file.days.map((d) => ({
      day: d.date,
      kind: d.isOffDay ? 'holiday' : 'workday',
      name: d.isOffDay ? d.name : `${d.name}调休上班`,
    }));
    const source = `holiday-cn ${year}.json${file.papers?.length ? ` (${file.papers[0]})` : ''}`.slice(0, 300);
    return this.put(year, { source, days }, principal);
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

function daysBetween(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}
