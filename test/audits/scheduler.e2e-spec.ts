import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { AuditDrawService, parseIsoWeek } from '#app/audit';
import { fixedClock, type Clock } from '#app/calendar';
import { ConfigError, loadConfig, type AppConfig } from '#app/config';
import { AuditDrawJob } from '../../apps/scheduler/src/audit-draw.job.js';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { insertFleet } from './fleet.js';

const TZ = 'Asia/Shanghai';

describe('the audit scheduler with a pinned clock', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let config: AppConfig;
  const open: INestApplicationContext[] = [];

  async function scheduler(clock: Clock, cfg = config, checkEveryMs = 60_000): Promise<INestApplicationContext> {
    const app = await NestFactory.createApplicationContext(
      SchedulerModule.register(cfg, testInfrastructure(cfg), { clock, audit: { checkEveryMs } }),
      { logger: false },
    );
    open.push(app);
    return app;
  }

  async function weeks(): Promise<{ iso_week: string; trigger: string; drawn_by: string; sample_size: number }[]> {
    const res = await db.query('SELECT iso_week, trigger, drawn_by, sample_size FROM audit_weeks ORDER BY iso_week');
    return res.rows;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    config = testConfig(database.url);
    db = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });
  afterAll(async () => {
    // pool.end() resolves before its sockets have closed, and the forced drop of the database may reach one.
    db.on('error', () => undefined);
    await db.end();
    await database.drop();
  });

  it('leaves the week undrawn while no active car is registered, so a fresh installation does not lock it', async () => {
    const app = await scheduler(fixedClock('2026-03-03T02:00:00Z'));
    await app.init();
    expect(await weeks()).toEqual([]);
    expect(app.get(AuditDrawJob).lastOutcome).toEqual({ status: 'no_active_cars', week: '2026-W10' });
    await insertFleet(db, { active: 25, decommissioned: 2, name: 'Scheduler unit SC' });
    // In service long before the weeks drawn here, so a week drawn late finds them on its roster.
    await db.query(`UPDATE vehicles SET commissioned_on = '2025-01-01'`);
  });

  it('draws the current week at start when the service was down as it began (catch-up)', async () => {
    // Wednesday of 2026-W10, 10:00 in Shanghai.
    const app = await scheduler(fixedClock('2026-03-04T02:00:00Z'));
    await app.init();
    expect(await weeks()).toEqual([
      { iso_week: '2026-W10', trigger: 'catch_up', drawn_by: 'system:scheduler', sample_size: 3 },
    ]);
    expect(app.get(AuditDrawJob).lastOutcome).toMatchObject({ status: 'drawn', week: '2026-W10', activeCount: 25 });
  });

  it('draws nothing more when it restarts within the same week', async () => {
    const app = await scheduler(fixedClock('2026-03-08T15:59:00Z'));
    await app.init();
    expect((await weeks()).map((w) => w.iso_week)).toEqual(['2026-W10']);
    expect(app.get(AuditDrawJob).lastOutcome).toBeUndefined();
  });

  it('after a three-week outage draws the weeks it missed, marked late, and the current week', async () => {
    const app = await scheduler(fixedClock('2026-03-25T01:00:00Z'));
    await app.init();
    const drawn = await db.query('SELECT iso_week, drawn_late FROM audit_weeks ORDER BY iso_week');
    expect(drawn.rows.map((w) => [w.iso_week, w.drawn_late])).toEqual([
      ['2026-W10', false],
      ['2026-W11', true],
      ['2026-W12', true],
      ['2026-W13', false],
    ]);
  });

  it('draws the new week on its timer once Monday 00:00 has passed in Shanghai', async () => {
    const clock = fixedClock('2026-03-29T15:50:00Z'); // Sunday 23:50 local, 2026-W13
    const app = await scheduler(clock, config, 20);
    await app.init();
    expect((await weeks()).map((w) => w.iso_week)).not.toContain('2026-W14');
    clock.set('2026-03-29T16:00:30Z'); // Monday 00:00:30 local
    const deadline = Date.now() + 5_000;
    while (!(await weeks()).some((w) => w.iso_week === '2026-W14') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await weeks()).find((w) => w.iso_week === '2026-W14')).toMatchObject({ trigger: 'schedule' });
  });

  it('lets exactly one of two schedulers starting together draw the week', async () => {
    const clock = fixedClock('2026-05-13T03:00:00Z'); // 2026-W20
    const a = await scheduler(clock);
    const b = await scheduler(clock);
    await Promise.all([a.init(), b.init()]);
    const drawn = (await weeks()).filter((w) => w.iso_week === '2026-W20');
    expect(drawn).toHaveLength(1);
    const items = await db.query(
      `SELECT count(*)::int AS n FROM audit_items i JOIN audit_weeks w ON w.id = i.audit_week_id
        WHERE w.iso_week = '2026-W20'`,
    );
    expect(items.rows[0].n).toBe(3);
  });

  it.each(['2026-W21', '2026-W22', '2026-W23'])(
    'when two instances race to draw %s on separate connections, one draws and the other is told it was drawn',
    async (label) => {
      const clock = fixedClock('2026-05-13T03:00:00Z');
      const a = await scheduler(clock);
      const b = await scheduler(clock);
      const week = parseIsoWeek(label, TZ)!;
      const outcomes = await Promise.all([
        a.get(AuditDrawService).drawWeek(week, 'schedule', 'instance-a'),
        b.get(AuditDrawService).drawWeek(week, 'schedule', 'instance-b'),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['already_drawn', 'drawn']);
      const ids = outcomes.map((o) => ('auditWeekId' in o ? o.auditWeekId : undefined));
      expect(ids[0]).toEqual(expect.any(String));
      expect(ids[1]).toBe(ids[0]);
      const rows = await db.query(
        `SELECT count(*)::int AS weeks, (SELECT count(*)::int FROM audit_items WHERE audit_week_id = $2) AS items,
                (SELECT count(*)::int FROM history WHERE entity_type = 'audit_week' AND entity_id = $1) AS history
           FROM audit_weeks WHERE iso_week = $1`,
        [label, ids[0]],
      );
      expect(rows.rows[0]).toEqual({ weeks: 1, items: 3, history: 1 });
    },
  );

  it('raises the sample with a higher AUDIT_SAMPLE_RATE and refuses to start below 10 %', async () => {
    const higher = testConfig(database.url, { AUDIT_SAMPLE_RATE: '0.3' });
    const app = await scheduler(fixedClock('2026-07-01T03:00:00Z'), higher); // 2026-W27
    await app.init();
    expect((await weeks()).find((w) => w.iso_week === '2026-W27')?.sample_size).toBe(8);
    expect(() => loadConfig({ AUDIT_SAMPLE_RATE: '0.05' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUDIT_SAMPLE_RATE: '0.05' })).toThrow(/AUDIT_SAMPLE_RATE/);
  });
});
