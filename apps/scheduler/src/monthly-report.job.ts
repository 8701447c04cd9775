import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, addDays, localDate, localMinutes, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { REPORT_FORMATS, ReportDelivery, ReportJobs, type ReportJobView } from '#app/reports';

export const MONTHLY_REPORT_OPTIONS = Symbol('MONTHLY_REPORT_OPTIONS');

export interface MonthlyReportOptions {
  /** How often the job looks whether the month's report is due. */
  checkEveryMs: number;
}

/**
 * The local time on the 1st at which the previous month's report is made: late enough for the night's
 * blind-area uploads of the month's last evening to have reached the detector, early enough for the morning.
 */
export const MONTHLY_REPORT_AT = '06:00';
const AT_MINUTES = 6 * 60;
const ACTOR = 'system:scheduler';

/** The month whose report is due at an instant: the month before, from MONTHLY_REPORT_AT on the 1st. */
export function dueMonth(now: Date, timeZone: string): { year: number; month: number } {
  const day = localDate(now, timeZone);
  const beforeTime = day.endsWith('-01') && localMinutes(now, timeZone) < AT_MINUTES;
  // A day in the due month: the last one before this month's 1st, or, before the hour, one of the month before.
  const inDueMonth = addDays(`${day.slice(0, 8)}01`, beforeTime ? -32 : -1);
  return { year: Number(inDueMonth.slice(0, 4)), month: Number(inDueMonth.slice(5, 7)) };
}

export interface MonthlyOutcome {
  /** `2026-02` */
  period: string;
  jobs: ReportJobView[];
  delivered: number;
}

/**
 * Makes the monthly oversight report for the district leaders, as PDF and XLSX, on the 1st of each month at
 * MONTHLY_REPORT_AT (policy zone) for the month before, and hands each file to the delivery channels. The
 * report of the latest finished month is made whenever it is missing, so a scheduler that was down on the 1st
 * makes it when it starts. The unique key on (kind, period, format) of scheduled jobs lets several schedulers
 * run without making a report twice; a job left running by a stopped scheduler is taken over when its lease
 * runs out.
 */
@Injectable()
export class MonthlyReportJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MonthlyReportJob');
  private timer?: NodeJS.Timeout;
  private running?: Promise<MonthlyOutcome | undefined>;
  private readonly stopping = new AbortController();
  /** The result of the latest check (for tests and logs). */
  lastOutcome?: MonthlyOutcome;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: ReportJobs,
    private readonly delivery: ReportDelivery,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MONTHLY_REPORT_OPTIONS) private readonly options: MonthlyReportOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: drawing a report takes seconds, and the other jobs need not wait for it.
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs);
    this.timer.unref();
  }

  /** Before the database pool closes, so the check in hand ends cleanly. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort(); // a report being drawn goes back to the queue for the next start
    await this.running;
  }

  /** Makes and delivers what is due; never throws (the next check tries again). Checks never overlap. */
  check(): Promise<MonthlyOutcome | undefined> {
    this.running ??= this.run().finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(): Promise<MonthlyOutcome | undefined> {
    try {
      // A fresh installation has no month to report on.
      const [{ cars }]: { cars: number }[] = await this.db.query('SELECT count(*)::int AS cars FROM vehicles');
      if (cars === 0) return undefined;
      const { year, month } = dueMonth(this.clock.now(), this.config.tzPolicy);
      const jobs: ReportJobView[] = [];
      for (const format of REPORT_FORMATS) {
        jobs.push(await this.jobs.ensureScheduled({ kind: 'monthly_oversight', year, month }, format, ACTOR));
      }
      const made = await this.jobs.drain('schedule', this.stopping.signal);
      const receipts = await this.delivery.deliverDue();
      const period = `${year}-${String(month).padStart(2, '0')}`;
      if (made > 0) this.logger.log(`monthly report ${period}: ${made} file(s) made`);
      for (const r of receipts) {
        const line = `monthly report ${period} (job ${r.jobId}) ${r.status} via ${r.channel} to ${r.recipient}`;
        if (r.status === 'delivered') this.logger.log(line);
        else this.logger.warn(`${line}: ${r.detail ?? ''}`);
      }
      const outcome = {
        period,
        jobs: await Promise.all(jobs.map(async (j) => (await this.jobs.get(j.id))!)),
        delivered: receipts.filter((r) => r.status === 'delivered').length,
      };
      this.lastOutcome = outcome;
      return outcome;
    } catch (error) {
      this.logger.error(`monthly report check failed: ${(error as Error).message}`);
      return undefined;
    }
  }
}
