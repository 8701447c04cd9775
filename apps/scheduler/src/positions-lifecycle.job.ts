import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { applyPositionsPolicies, deleteExpiredPositions, type PositionsPolicies } from '#app/db';

export const POSITIONS_LIFECYCLE_OPTIONS = Symbol('POSITIONS_LIFECYCLE_OPTIONS');

export interface PositionsLifecycleOptions {
  /** How often expired positions are looked for on plain PostgreSQL. */
  checkEveryMs: number;
}

const DAY_MS = 86_400_000;

/**
 * Keeps the positions' lifecycle what POSITIONS_COMPRESS_AFTER_DAYS and POSITIONS_RETENTION_DAYS say. At start
 * it sets TimescaleDB's compression and retention policies on the hypertable (the extension then runs them by
 * itself); on plain PostgreSQL it deletes the positions older than the retention every `checkEveryMs`.
 */
@Injectable()
export class PositionsLifecycleJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('PositionsLifecycle');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopping = false;
  /** The policies in force since start. */
  policies?: PositionsPolicies;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(POSITIONS_LIFECYCLE_OPTIONS) private readonly options: PositionsLifecycleOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const want = this.config.positions;
    try {
      this.policies = await applyPositionsPolicies(this.db, want);
    } catch (error) {
      this.logger.error(`positions policies not applied: ${(error as Error).message}`);
      return;
    }
    const kept = want.retentionDays > 0 ? `kept ${want.retentionDays} days` : 'kept for ever';
    if (this.policies.engine === 'timescaledb') {
      const compressed =
        want.compressAfterDays > 0 ? `compressed after ${want.compressAfterDays} days` : 'not compressed';
      this.logger.log(`positions (TimescaleDB): ${compressed}, ${kept}`);
      return;
    }
    this.logger.log(`positions (PostgreSQL): ${kept}`);
    if (want.retentionDays === 0) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping = true;
    await this.running;
  }

  /** Deletes what is past the retention (plain PostgreSQL); never throws. Passes never overlap. */
  check(): Promise<number> {
    this.running ??= this.deleteExpired().finally(() => (this.running = undefined));
    return this.running;
  }

  private async deleteExpired(): Promise<number> {
    // 0 keeps every position: there is no "before" to delete.
    if (this.config.positions.retentionDays === 0 || this.policies?.engine !== 'postgresql') return 0;
    const before = new Date(this.clock.now().getTime() - this.config.positions.retentionDays * DAY_MS);
    try {
      const deleted = await deleteExpiredPositions(this.db, before, 10_000, () => this.stopping);
      if (deleted > 0) this.logger.log(`${deleted} positions with a fix before ${before.toISOString()} deleted`);
      return deleted;
    } catch (error) {
      this.logger.error(`expired positions not deleted: ${(error as Error).message}`);
      return 0;
    }
  }
}
