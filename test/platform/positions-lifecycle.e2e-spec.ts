import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fixedClock } from '#app/calendar';
import { ConfigError, loadConfig } from '#app/config';
import { deleteExpiredPositions } from '#app/db';
import { PositionsLifecycleJob } from '../../apps/scheduler/src/positions-lifecycle.job.js';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { suiteDatabase } from '../support/suite-database.js';

/** The scheduler's clock: noon on 7 December 2026 in Shanghai. */
const NOW = new Date('2026-12-07T04:00:00Z');
const DAY_MS = 86_400_000;
const daysBefore = (days: number, plusMs = 0) => new Date(NOW.getTime() - days * DAY_MS + plusMs);

/**
 * Retention on plain PostgreSQL: the scheduler deletes the positions older than POSITIONS_RETENTION_DAYS and
 * nothing younger, for every terminal; 0 keeps everything. The clock is pinned.
 */
describe('positions retention on plain PostgreSQL', () => {
  const suite = suiteDatabase();

  /** Three terminals, each with fixes 40, 31, 30 days (less a minute) and 1 day before NOW. */
  async function load(): Promise<void> {
    await suite.db.query('TRUNCATE position_rows, position_packs');
    for (const terminal of ['R-1', 'R-2', 'R-3']) {
      for (const at of [daysBefore(40), daysBefore(31), daysBefore(30, 60_000), daysBefore(1)]) {
        await suite.db.query('INSERT INTO positions (terminal_id, fix_time, lat, lon) VALUES ($1, $2, 33.6, 118.3)', [
          terminal,
          at,
        ]);
      }
    }
  }
  const left = async () =>
    (
      await suite.db.query<{ terminal_id: string; fix_time: Date }>(
        'SELECT terminal_id, fix_time FROM positions ORDER BY 1, 2',
      )
    ).rows;

  async function scheduler(env: Record<string, string>): Promise<INestApplicationContext> {
    const config = testConfig(suite.database.url, env);
    const app = await NestFactory.createApplicationContext(
      SchedulerModule.register(config, testInfrastructure(config), {
        clock: fixedClock(NOW),
        audit: { checkEveryMs: 3_600_000 },
        monthlyReport: { checkEveryMs: 3_600_000 },
        positionsLifecycle: { checkEveryMs: 3_600_000 },
      }),
      { logger: false },
    );
    await app.init();
    return app;
  }

  it('deletes what is older than the retention for every terminal and keeps the rest', async () => {
    await load();
    const app = await scheduler({ POSITIONS_RETENTION_DAYS: '30' });
    try {
      const job = app.get(PositionsLifecycleJob);
      expect(job.policies).toEqual({ engine: 'postgresql', compressAfterDays: null, retentionDays: 30 });
      // The pass the start began, then one more that finds nothing left to do.
      await job.check();
      expect(await job.check()).toBe(0);
    } finally {
      await app.close();
    }
    const rows = await left();
    expect(rows).toHaveLength(6);
    // The hours that ended two hours before the clock are packed (one terminal-hour each), the rest are rows:
    // the fix 30 days (less a minute) old is in the pack of its hour, which the retention keeps whole.
    const stored = await suite.db.query<{ rows: number; packs: number; packed: number }>(
      `SELECT (SELECT count(*)::int FROM position_rows) AS rows, (SELECT count(*)::int FROM position_packs) AS packs,
              (SELECT coalesce(sum(cardinality(fix_us)), 0)::int FROM position_packs) AS packed`,
    );
    expect(stored.rows[0]).toEqual({ rows: 0, packs: 6, packed: 6 });
    for (const terminal of ['R-1', 'R-2', 'R-3']) {
      expect(rows.filter((r) => r.terminal_id === terminal).map((r) => r.fix_time.getTime())).toEqual([
        daysBefore(30, 60_000).getTime(),
        daysBefore(1).getTime(),
      ]);
    }
  });

  it('keeps every position when the retention is 0', async () => {
    await load();
    const app = await scheduler({ POSITIONS_RETENTION_DAYS: '0' });
    try {
      const job = app.get(PositionsLifecycleJob);
      expect(job.policies?.retentionDays).toBeNull();
      expect(await job.check()).toBe(0);
    } finally {
      await app.close();
    }
    expect(await left()).toHaveLength(12);
  });

  it('deletes in batches along the primary key until the terminal has nothing expired', async () => {
    await suite.db.query('TRUNCATE position_rows, position_packs');
    await suite.db.query(
      `INSERT INTO positions (terminal_id, fix_time, lat, lon)
       SELECT 'B-1', $1::timestamptz + n * interval '10 seconds', 33.6, 118.3 FROM generate_series(0, 2499) n`,
      [daysBefore(100)],
    );
    expect(await deleteExpiredPositions(suite.db, daysBefore(50), 1000)).toBe(2500);
    expect(await left()).toEqual([]);
  });

  it('refuses a retention short enough to be a slip, or compression after the data is gone', () => {
    const attempt = (env: Record<string, string>) => {
      try {
        loadConfig({ ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(attempt({ POSITIONS_RETENTION_DAYS: '3' })).toEqual([
      'POSITIONS_RETENTION_DAYS must be 0 (keep for ever) or at least 30, got "3"',
    ]);
    expect(attempt({ POSITIONS_RETENTION_DAYS: '60', POSITIONS_COMPRESS_AFTER_DAYS: '90' })).toEqual([
      'POSITIONS_COMPRESS_AFTER_DAYS (90) must be below POSITIONS_RETENTION_DAYS (60)',
    ]);
    expect(attempt({ POSITIONS_PACK_AFTER_MINUTES: '30' })).toEqual([
      'POSITIONS_PACK_AFTER_MINUTES must be a whole number from 60 to 10080, got "30"',
    ]);
    expect(attempt({ POSITIONS_COMPRESS_AFTER_DAYS: 'week' })).toEqual([
      'POSITIONS_COMPRESS_AFTER_DAYS must be a whole number from 0 to 3650, got "week"',
    ]);
    expect(loadConfig({}).positions).toEqual({ compressAfterDays: 7, retentionDays: 1096, packAfterMinutes: 120 });
  });
});
