import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { AuditDrawService, shiftWeek, type DrawOutcome, type DrawTrigger } from '#app/audit';
import { CLOCK, type Clock } from '#app/calendar';

export const AUDIT_JOB_OPTIONS = Symbol('AUDIT_JOB_OPTIONS');

export interface AuditJobOptions {
  /** How often the job looks whether the current week is drawn yet. */
  checkEveryMs: number;
}

const ACTOR = 'system:scheduler';
/** How far back a gap in the weekly draws is reported. */
const GAP_LOOKBACK_WEEKS = 13;

/**
 * Draws each ISO week once. At start it catches up: every past week missed while the service was down,
 * back to AUDIT_CATCH_UP_WEEKS (default 8), is drawn from the cars in service when that week began and
 * marked as drawn late with the reason; then the current week. Afterwards it checks on a short timer, so
 * a week is drawn within minutes of Monday 00:00 in the policy zone. The unique key on the week makes
 * every draw safe with several instances.
 *
 * Weeks older than the limit stay undrawn: they are logged as a gap (and `GET /api/v1/audits` lists them
 * as missed), so the centre sees and explains them.
 */
@Injectable()
export class AuditDrawJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditDrawJob');
  private timer?: NodeJS.Timeout;
  private running?: Promise<DrawOutcome | undefined>;
  /** The result of the latest check that drew or found the week (for tests and health output). */
  lastOutcome?: DrawOutcome;
  /** What the start's catch-up of past weeks did. */
  lateOutcomes: DrawOutcome[] = [];

  constructor(
    private readonly drawer: AuditDrawService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AUDIT_JOB_OPTIONS) private readonly options: AuditJobOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.catchUpMissedWeeks();
    await this.check('catch_up');
    this.timer = setInterval(() => void this.check('schedule'), this.options.checkEveryMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Draws the past weeks the service missed, oldest first; never throws (the next start tries again). */
  async catchUpMissedWeeks(): Promise<DrawOutcome[]> {
    const outcomes: DrawOutcome[] = [];
    try {
      const startedAt = this.clock.now().toISOString();
      for (const week of await this.drawer.missedWeeks(this.config.auditCatchUpWeeks)) {
        const reason = `the service was not running when ${week.label} began; drawn at start on ${startedAt}`;
        const outcome = await this.drawer.drawWeek(week, 'catch_up', ACTOR, { reason });
        outcomes.push(outcome);
        if (outcome.status === 'drawn') {
          this.logger.warn(`audit ${week.label} drawn late: ${outcome.sampleSize} of ${outcome.activeCount} cars`);
        }
      }
    } catch (error) {
      this.logger.error(`audit catch-up failed: ${(error as Error).message}`);
    }
    this.lateOutcomes = outcomes;
    return outcomes;
  }

  /** Draws the current week unless it is drawn already; never throws (a failed check is retried). */
  check(trigger: DrawTrigger): Promise<DrawOutcome | undefined> {
    this.running ??= this.run(trigger).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(trigger: DrawTrigger): Promise<DrawOutcome | undefined> {
    try {
      const week = this.drawer.currentWeek();
      if (await this.drawer.isDrawn(week)) {
        // Cheap path: nothing to do until the next week starts.
        return this.lastOutcome?.week === week.label ? this.lastOutcome : undefined;
      }
      await this.reportGap();
      const outcome = await this.drawer.drawWeek(week, trigger, ACTOR);
      this.lastOutcome = outcome;
      if (outcome.status === 'drawn') {
        this.logger.log(
          `audit ${outcome.week} drawn (${trigger}): ${outcome.sampleSize} of ${outcome.activeCount} active cars`,
        );
      } else if (outcome.status === 'already_drawn') {
        this.logger.log(`audit ${outcome.week} was already drawn by another instance`);
      } else {
        this.logger.warn(`audit ${outcome.week} not drawn yet: no active cars are registered`);
      }
      return outcome;
    } catch (error) {
      this.logger.error(`audit draw check failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async reportGap(): Promise<void> {
    const current = this.drawer.currentWeek();
    const since = shiftWeek(current, -GAP_LOOKBACK_WEEKS, this.config.tzPolicy);
    const drawn = new Set(await this.drawer.drawnWeeksSince(since.start));
    if (drawn.size === 0) return;
    const missed: string[] = [];
    for (let back = 1; back <= GAP_LOOKBACK_WEEKS; back++) {
      const week = shiftWeek(current, -back, this.config.tzPolicy);
      if (drawn.has(week.label)) break;
      missed.push(week.label);
    }
    if (missed.length > 0) {
      this.logger.warn(
        `audit weeks missed while the service was down, older than AUDIT_CATCH_UP_WEEKS, not drawn: ${missed.join(', ')}`,
      );
    }
  }
}
