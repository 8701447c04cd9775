import { createHash } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { fixedClock } from '#app/calendar';
import { ConfigError, type AppConfig } from '#app/config';
import { MonthlyReportJob } from '../../apps/scheduler/src/monthly-report.job.js';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module.js';
import { insertFleet } from '../audits/fleet.js';
import { startSmtpSink, type SmtpSink } from '../notifications/support/smtp-sink.js';
import { startTestApi, testConfig, testInfrastructure, type TestApi } from '../support/test-app.js';
import { pdfText } from './report-files.js';

/** 06:00 on 1 March 2026 in Shanghai (UTC+8), when the February report is due. */
const MARCH_1_0600 = '2026-02-28T22:00:00Z';
const LEADERS = ['secretary@district.example.gov.cn', 'head@district.example.gov.cn'];

/**
 * The district leaders get the monthly oversight report by e-mail on the 1st: the PDF (and the XLSX) attached,
 * byte for byte the file stored in the service, with the stats endpoint's figures; a refused address is
 * recorded as a failed delivery. A real SMTP server of the test's own; clock and zone pinned.
 */
describe('the monthly oversight report e-mailed to the district leaders', () => {
  let api: TestApi;
  let db: pg.Pool;
  let sink: SmtpSink;
  let config: AppConfig;
  let app: INestApplicationContext | undefined;

  beforeAll(async () => {
    api = await startTestApi({ TZ_POLICY: 'Asia/Shanghai' });
    db = api.db;
    sink = await startSmtpSink();
    config = testConfig(api.database.url, {
      TZ_POLICY: 'Asia/Shanghai',
      SMTP_URL: sink.url,
      SMTP_FROM: 'oversight@district.example.gov.cn',
      REPORT_RECIPIENTS: LEADERS.join(', '),
    });
    const { vehicleIds } = await insertFleet(db, { active: 8, name: '区机关事务管理局' });
    await db.query(`UPDATE vehicles SET commissioned_on = '2025-01-01'`);
    for (const at of ['2026-02-10T14:00:00Z', '2026-02-17T13:30:00Z']) {
      await db.query(
        `INSERT INTO violations (vehicle_id, rule, kind, start_time) VALUES ($1, 'off_hours', 'violation', $2)`,
        [vehicleIds[0], at],
      );
    }
  });
  afterAll(async () => {
    await app?.close();
    await sink.close();
    await api.close();
  });

  it('refuses a start-up whose REPORT_RECIPIENTS is not a list of e-mail addresses, naming the bad one', () => {
    expect(() => testConfig(api.database.url, { REPORT_RECIPIENTS: 'secretary@district.gov.cn, 区长' })).toThrow(
      ConfigError,
    );
    expect(() => testConfig(api.database.url, { REPORT_RECIPIENTS: 'secretary@district.gov.cn, 区长' })).toThrow(
      /"区长"/,
    );
  });

  it('sends each leader the PDF and the XLSX, the bytes stored in the service, with the stats endpoint’s figures', async () => {
    app = await NestFactory.createApplicationContext(
      SchedulerModule.register(config, testInfrastructure(config), {
        clock: fixedClock(MARCH_1_0600),
        audit: { checkEveryMs: 3_600_000 },
        monthlyReport: { checkEveryMs: 3_600_000 },
      }),
      { logger: false },
    );
    await app.init();
    const outcome = await app.get(MonthlyReportJob).check();
    expect(outcome).toMatchObject({ period: '2026-02' });

    const jobs = (
      await db.query(
        `SELECT id, format, sha256, file_name FROM report_jobs
          WHERE trigger = 'schedule' AND period_key = '2026-02' ORDER BY format`,
      )
    ).rows as { id: string; format: string; sha256: string; file_name: string }[];
    expect(jobs.map((j) => j.format)).toEqual(['pdf', 'xlsx']);

    const received = sink.messages
      .map((m) => ({ to: m.to, from: m.from, subject: m.mail.subject, files: m.mail.attachments }))
      .sort((a, b) => `${a.to}${a.subject}`.localeCompare(`${b.to}${b.subject}`));
    expect(received.map((m) => [m.to, m.from, m.files.map((f) => f.filename)])).toEqual(
      [...LEADERS].sort().flatMap((to) => [
        [[to], 'oversight@district.example.gov.cn', ['oversight-2026-02.pdf']],
        [[to], 'oversight@district.example.gov.cn', ['oversight-2026-02.xlsx']],
      ]),
    );
    for (const m of received) {
      const file = m.files[0];
      const job = jobs.find((j) => j.file_name === file.filename)!;
      expect(createHash('sha256').update(file.content).digest('hex')).toBe(job.sha256);
      expect(m.subject).toContain('2026 年 2 月');
    }

    // The figures in the PDF are the stats endpoint's for February.
    const token = await api.tokenFor(['centre']);
    const stats = (
      await api.http.get('/api/v1/stats?year=2026&month=2').set('Authorization', `Bearer ${token}`).expect(200)
    ).body as { totals: { findingsByRule: { violations: number; suspicions: number }[] } };
    const findings = stats.totals.findingsByRule.reduce((n, f) => n + f.violations + f.suspicions, 0);
    expect(findings).toBe(2);
    const text = await pdfText(received.find((m) => m.files[0].filename?.endsWith('.pdf'))!.files[0].content);
    expect(text).toContain(`违规与疑似 Findings ${findings}`);

    const deliveries = (
      await db.query(
        `SELECT j.format, d.recipient, d.status FROM report_deliveries d JOIN report_jobs j ON j.id = d.job_id
          WHERE d.channel = 'email' ORDER BY j.format, d.recipient`,
      )
    ).rows;
    expect(deliveries).toEqual(
      ['pdf', 'xlsx'].flatMap((format) =>
        [...LEADERS].sort().map((recipient) => ({ format, recipient, status: 'delivered' })),
      ),
    );
  });
});
