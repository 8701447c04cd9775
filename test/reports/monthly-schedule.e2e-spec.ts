import { createHash } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { fixedClock, type Clock } from '#app/calendar';
import type { AppConfig } from '#app/config';
import { HistoryService } from '#app/history';
import type { DeliverableReport, ReportDeliveryChannel } from '#app/reports';
import { MonthlyReportJob } from '../../apps/scheduler/src/monthly-report.job.js';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module.js';
import { insertFleet } from '../audits/fleet.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { pdfText, summaryFigures, workbook } from './report-files.js';

/** 06:00 on 1 March 2026 in Shanghai (UTC+8), when the February report is due. */
const MARCH_1_0600 = '2026-02-28T22:00:00Z';

/**
 * The scheduler makes the monthly oversight report for the district leaders on the 1st, stores it and records
 * its delivery. The clock is pinned and the policy zone is Asia/Shanghai.
 */
describe('the monthly oversight report made and delivered by the scheduler', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let config: AppConfig;
  const open: INestApplicationContext[] = [];

  async function scheduler(clock: Clock, channels: ReportDeliveryChannel[] = []): Promise<INestApplicationContext> {
    const app = await NestFactory.createApplicationContext(
      SchedulerModule.register(config, testInfrastructure(config), {
        clock,
        // The tests call the check themselves; the timers never fire during a test.
        audit: { checkEveryMs: 3_600_000 },
        monthlyReport: { checkEveryMs: 3_600_000 },
        reportChannels: channels,
      }),
      { logger: false },
    );
    open.push(app);
    await app.init();
    return app;
  }

  const scheduled = async (period: string) =>
    (
      await db.query(
        `SELECT id, format, status, progress, attempts, sha256, file_name FROM report_jobs
          WHERE trigger = 'schedule' AND kind = 'monthly_oversight' AND period_key = $1 ORDER BY format`,
        [period],
      )
    ).rows;
  const deliveries = async () =>
    (
      await db.query(
        `SELECT j.period_key, j.format, d.channel, d.recipient, d.status, d.detail
           FROM report_deliveries d JOIN report_jobs j ON j.id = d.job_id ORDER BY j.period_key, j.format, d.channel`,
      )
    ).rows;
  const fileOf = async (jobId: string): Promise<Buffer> =>
    (await db.query('SELECT content FROM report_files WHERE job_id = $1', [jobId])).rows[0].content;

  beforeAll(async () => {
    database = await createTestDatabase();
    config = testConfig(database.url, { TZ_POLICY: 'Asia/Shanghai' });
    db = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });
  afterAll(async () => {
    db.on('error', () => undefined);
    await db.end();
    await database.drop();
  });

  it('makes nothing on a fresh installation with no cars', async () => {
    const app = await scheduler(fixedClock(MARCH_1_0600));
    expect(await app.get(MonthlyReportJob).check()).toBeUndefined();
    expect((await db.query('SELECT count(*)::int AS n FROM report_jobs')).rows[0].n).toBe(0);
    const { vehicleIds } = await insertFleet(db, { active: 12, name: '区机关事务管理局' });
    await db.query(`UPDATE vehicles SET commissioned_on = '2025-01-01'`);
    // February 2026: one finding at night, one payment denial, one purchase rejected.
    await db.query(
      `INSERT INTO violations (vehicle_id, rule, kind, start_time) VALUES ($1, 'off_hours', 'violation', $2)`,
      [vehicleIds[0], '2026-02-10T14:00:00Z'],
    );
    await db.query(
      `INSERT INTO payment_checks (plate_number, plate_normalized, expense_type, amount, invoice_no, expense_date,
         decision, reasons, checked_at, checked_by)
       VALUES ('苏N·XX000', '苏NXX000', 'fuel', 512.30, 'S-1', '2026-02-11', 'deny',
               '[{"code":"FUEL_IMPLAUSIBLE","message":"too much"}]', '2026-02-11T03:00:00Z', 'finance-system')`,
    );
    const unit = (await db.query('SELECT unit_id FROM vehicles WHERE id = $1', [vehicleIds[0]])).rows[0].unit_id;
    await db.query(
      `INSERT INTO purchase_requests (unit_id, category, count, budget_cny, engine_l, justification, status, requested_by,
         decided_at)
       VALUES ($1, 'general', 1, 176000.00, 1.5, '更新 replacement', 'rejected', 'clerk', '2026-02-20T02:00:00Z')`,
      [unit],
    );
  });

  it('before 06:00 on the 1st still reports the month before last, not the month just ended', async () => {
    const app = await scheduler(fixedClock('2026-02-28T21:59:00Z'));
    const outcome = await app.get(MonthlyReportJob).check();
    expect(outcome?.period).toBe('2026-01');
    expect(await scheduled('2026-02')).toEqual([]);
  });

  it('at 06:00 on the 1st makes the previous month’s report as PDF and XLSX, stores it and records it delivered', async () => {
    const app = await scheduler(fixedClock(MARCH_1_0600));
    const outcome = await app.get(MonthlyReportJob).check();
    expect(outcome).toMatchObject({ period: '2026-02', delivered: 2 });
    const jobs = await scheduled('2026-02');
    expect(jobs).toEqual([
      expect.objectContaining({ format: 'pdf', status: 'done', progress: 100, file_name: 'oversight-2026-02.pdf' }),
      expect.objectContaining({ format: 'xlsx', status: 'done', progress: 100, file_name: 'oversight-2026-02.xlsx' }),
    ]);
    for (const job of jobs) {
      expect(
        createHash('sha256')
          .update(await fileOf(job.id))
          .digest('hex'),
      ).toBe(job.sha256);
    }
    expect((await deliveries()).filter((d) => d.period_key === '2026-02')).toEqual([
      expect.objectContaining({ format: 'pdf', channel: 'archive', status: 'delivered' }),
      expect.objectContaining({ format: 'xlsx', channel: 'archive', status: 'delivered' }),
    ]);
    // Each delivery is in the hash-chained history with the file's hash, and the chain holds.
    const history = await db.query(
      `SELECT data FROM history WHERE entity_type = 'report' AND action = 'delivered' AND data->>'period' = '2026-02'
        ORDER BY seq`,
    );
    expect(history.rows.map((r) => [r.data.format, r.data.sha256])).toEqual(jobs.map((j) => [j.format, j.sha256]));
    expect((await app.get(HistoryService).verify()).ok).toBe(true);

    const text = await pdfText(await fileOf(jobs[0].id));
    expect(text).toContain('公务用车监管月报 Monthly oversight report');
    expect(text).toContain('2026 年 2 月');
    expect(text).toContain('违规与疑似 Findings 1');
    expect(text).toContain('节约资金 元 Funds saved CNY 176,000.00');
    const figures = summaryFigures(await workbook(await fileOf(jobs[1].id)));
    expect(figures.get('paymentGate.denials')).toBe(1);
    expect(figures.get('paymentGate.blockedCny')).toBe(512.3);
    expect(figures.get('requestsRejected')).toBe(1);
  });

  it('a second scheduler at the same time makes and delivers nothing twice', async () => {
    const before = { jobs: await scheduled('2026-02'), deliveries: await deliveries() };
    const [a, b] = [await scheduler(fixedClock(MARCH_1_0600)), await scheduler(fixedClock(MARCH_1_0600))];
    await Promise.all([a.get(MonthlyReportJob).check(), b.get(MonthlyReportJob).check()]);
    expect(await scheduled('2026-02')).toEqual(before.jobs);
    expect(await deliveries()).toEqual(before.deliveries);
  });

  it('hands the report to every added channel once, and records a channel that fails', async () => {
    const received: { report: DeliverableReport; bytes: Buffer }[] = [];
    const leaders: ReportDeliveryChannel = {
      name: 'leaders-mail',
      async deliver(report) {
        received.push({ report, bytes: await report.content() });
        return [{ recipient: '区委书记 district secretary', status: 'delivered', detail: 'sent' }];
      },
    };
    const broken: ReportDeliveryChannel = {
      name: 'webhook',
      deliver: () => Promise.reject(new Error('connection refused')),
    };
    const app = await scheduler(fixedClock('2026-03-05T02:00:00Z'), [leaders, broken]);
    await app.get(MonthlyReportJob).check();
    await app.get(MonthlyReportJob).check();
    // The January and February reports, each as PDF and XLSX, each once.
    expect(received.map((r) => `${r.report.period} ${r.report.format}`).sort()).toEqual([
      '2026-01 pdf',
      '2026-01 xlsx',
      '2026-02 pdf',
      '2026-02 xlsx',
    ]);
    for (const { report, bytes } of received) {
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(report.sha256);
    }
    const february = (await deliveries()).filter((d) => d.period_key === '2026-02');
    expect(february).toEqual([
      expect.objectContaining({ format: 'pdf', channel: 'archive', status: 'delivered' }),
      expect.objectContaining({ format: 'pdf', channel: 'leaders-mail', status: 'delivered' }),
      expect.objectContaining({ format: 'pdf', channel: 'webhook', status: 'failed', detail: 'connection refused' }),
      expect.objectContaining({ format: 'xlsx', channel: 'archive', status: 'delivered' }),
      expect.objectContaining({ format: 'xlsx', channel: 'leaders-mail', status: 'delivered' }),
      expect.objectContaining({ format: 'xlsx', channel: 'webhook', status: 'failed', detail: 'connection refused' }),
    ]);
  });

  it('takes over a report whose scheduler stopped while making it, once its lease has run out', async () => {
    // Made by a scheduler that stopped at 06:00 on 1 April; its lease ended two minutes later.
    await db.query(
      `INSERT INTO report_jobs (kind, format, params, trigger, period_key, requested_by, status, progress, attempts,
                                lease_until, created_at, started_at)
       VALUES ('monthly_oversight', 'pdf', '{"kind":"monthly_oversight","year":2026,"month":3}', 'schedule', '2026-03',
               'system:scheduler', 'running', 40, 1, '2026-03-31T22:02:00Z', '2026-03-31T22:00:00Z',
               '2026-03-31T22:00:00Z')`,
    );
    const early = await scheduler(fixedClock('2026-03-31T22:01:00Z'));
    await early.get(MonthlyReportJob).check();
    expect((await scheduled('2026-03')).map((j) => [j.format, j.status])).toEqual([
      ['pdf', 'running'],
      ['xlsx', 'done'],
    ]);
    const later = await scheduler(fixedClock('2026-03-31T22:03:00Z'));
    await later.get(MonthlyReportJob).check();
    expect(await scheduled('2026-03')).toEqual([
      expect.objectContaining({ format: 'pdf', status: 'done', attempts: 2 }),
      expect.objectContaining({ format: 'xlsx', status: 'done', attempts: 1 }),
    ]);
    expect(
      (await deliveries()).filter((d) => d.period_key === '2026-03' && d.channel === 'archive').map((d) => d.format),
    ).toEqual(['pdf', 'xlsx']);
  });
});
