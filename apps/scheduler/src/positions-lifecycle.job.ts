import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { applyPositionsPolicies, deleteExpiredPositions, packPositions, type PositionsPolicies } from '#app/db';

export const POSITIONS_LIFECYCLE_OPTIONS = Symbol('POSITIONS_LIFECYCLE_OPTIONS');

export interface PositionsLifecycleOptions {
  /** How often closed hours are packed and expired positions looked for, on plain PostgreSQL. */
  checkEveryMs: number;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * Keeps the positions' lifecycle what POSITIONS_COMPRESS_AFTER_DAYS, POSITIONS_RETENTION_DAYS and
 * POSITIONS_PACK_AFTER_MINUTES say. At start it sets TimescaleDB's compression and retention policies on the
 * hypertable (the extension then runs them by itself); on plain PostgreSQL, every `checkEveryMs`, it packs the
 * hours that ended POSITIONS_PACK_AFTER_MINUTES ago and deletes the positions older than the retention.
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
    this.logger.log(`positions (PostgreSQL): packed ${want.packAfterMinutes} minutes after each hour, ${kept}`);
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping = true;
    await this.running;
  }

  /**
   * Packs the closed hours, then deletes what is past the retention (plain PostgreSQL); never throws. Passes
   * never overlap. Returns how many positions were deleted.
   */
  check(): Promise<number> {
    this.running ??= this.pack()
      .then(() => this.deleteExpired())
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Packs every (terminal, hour) that ended POSITIONS_PACK_AFTER_MINUTES ago; returns the pairs packed. */
  async pack(): Promise<number> {
    if (this.policies?.engine !== 'postgresql') return 0;
    const horizon = new Date(this.clock.now().getTime() - this.config.positions.packAfterMinutes * MINUTE_MS);
    // One connection: each batch is a transaction of its own.
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const packed = await packPositions(runner, horizon, 50, () => this.stopping);
      if (packed > 0) this.logger.log(`${packed} hours of terminals packed (fixes before ${horizon.toISOString()})`);
      return packed;
    } catch (error) {
      this.logger.error(`positions not packed: ${(error as Error).message}`);
      return 0;
    } finally {
      await runner.release();
    }
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
