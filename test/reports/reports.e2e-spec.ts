import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditDrawService, parseIsoWeek } from '#app/audit';
import { fixedClock } from '#app/calendar';
import { dataSourceOptions } from '#app/db';
import { seedDemoHistory } from '#app/demo-history';
import {
  GATE_REASON_NAMES,
  OUTCOME_NAMES,
  RULE_NAMES,
  ReportJobs,
  formatValue,
  nameOf,
  type ReportJobView,
} from '#app/reports';
import { ReportWorker } from '../../apps/api/src/reports/report-worker.js';
import { addCar, addUnit } from '../payment-gate/gate-fixtures.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { binary, flatten, pdfText, sheetRows, summaryFigures, workbook } from './report-files.js';

const TZ = 'Asia/Shanghai';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Reports read back and held against the database: the PDF's text as PDF.js extracts it, the XLSX cells as
 * ExcelJS reads them. The clock is pinned to 10 April 2026, 10:00 in Shanghai, and the policy zone is
 * Asia/Shanghai.
 */
describe('reports (PDF and XLSX) for the centre, the inspectors and unit clerks', () => {
  let api: TestApi;
  let source: DataSource;
  let centre: string;
  let inspector: string;
  let clerkA: string;
  let clerkB: string;
  let unitA: string;
  let unitB: string;
  let carA: string;
  let carB: string;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const q = async <T>(sql: string, params: unknown[] = []) => (await api.db.query(sql, params)).rows as T[];
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  const trip = (vehicleId: string, start: string, end: string, distance: number, offHours = 0) =>
    api.db.query(
      `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m,
                          off_hours_distance_m, max_speed_kmh)
       VALUES ($1, $2, $3, 33.95, 118.29, 33.96, 118.31, $4, $5, 62)`,
      [vehicleId, start, end, distance, offHours],
    );
  const finding = (vehicleId: string, rule: string, kind: string, start: string, caseStatus?: string) =>
    api.db.query(
      `WITH c AS (INSERT INTO cases (vehicle_id, rule, local_day, status, title)
                  SELECT $1, $2, ($4::timestamptz AT TIME ZONE 'Asia/Shanghai')::date, $5, 'test case'
                   WHERE $5::text IS NOT NULL RETURNING id)
       INSERT INTO violations (vehicle_id, rule, kind, start_time, end_time, place, case_id)
       VALUES ($1, $2, $3, $4, $4::timestamptz + interval '20 minutes', '宿豫区人民路', (SELECT id FROM c))`,
      [vehicleId, rule, kind, start, caseStatus ?? null],
    );

  beforeAll(async () => {
    api = await startTestApi({ TZ_POLICY: TZ }, { clock: fixedClock('2026-04-10T02:00:00Z') });
    source = new DataSource({ ...dataSourceOptions(api.database.url), extra: { max: 2 } });
    await source.initialize();
    // Last year's meetings, purchases and cases of the demo district, and its 403 cars.
    await seedDemoHistory(source, 2025);
    unitA = await addUnit(api.db, '区档案馆');
    unitB = await addUnit(api.db, '区气象局');
    carA = await addCar(api.db, unitA, '苏N·R0001');
    await addCar(api.db, unitA, '苏N·R0003');
    carB = await addCar(api.db, unitB, '苏N·R0002');
    centre = await api.tokenFor(['centre']);
    inspector = await api.tokenFor(['inspector']);
    clerkA = await api.tokenFor(['unit'], unitA);
    clerkB = await api.tokenFor(['unit'], unitB);

    // Car A in March 2026 (Shanghai time): four trips, one of them after hours, and one each side of the month.
    await trip(carA, '2026-02-28T10:00:00+08:00', '2026-02-28T10:30:00+08:00', 9_000);
    await trip(carA, '2026-03-02T08:40:00+08:00', '2026-03-02T09:10:00+08:00', 12_345);
    await trip(carA, '2026-03-02T11:00:00+08:00', '2026-03-02T11:30:00+08:00', 8_000);
    await trip(carA, '2026-03-02T18:30:00+08:00', '2026-03-02T19:15:00+08:00', 20_500, 20_500);
    await trip(carA, '2026-03-03T09:00:00+08:00', '2026-03-03T09:20:00+08:00', 5_155);
    await trip(carA, '2026-04-01T00:10:00+08:00', '2026-04-01T00:40:00+08:00', 7_000, 7_000);
    await trip(carB, '2026-03-05T10:00:00+08:00', '2026-03-05T11:00:00+08:00', 30_000);
    await api.db.query(
      `INSERT INTO driver_card_events (terminal_id, vehicle_id, event, at, name, certificate_no)
       VALUES ('13800009001', $1, 'inserted', '2026-03-02T08:30:00+08:00', '王师傅', 'C-001')`,
      [carA],
    );
    await finding(carA, 'off_hours', 'violation', '2026-03-02T18:30:00+08:00', 'investigating');
    await finding(carA, 'lunchtime_restaurant', 'suspicion', '2026-03-03T12:00:00+08:00');
    await finding(carA, 'speeding', 'violation', '2026-04-02T09:00:00+08:00');
    await finding(carB, 'leaving_jurisdiction', 'violation', '2026-03-05T10:30:00+08:00');

    // March 2025: payment-gate answers, two of them denials (one with two reasons), and two audit weeks.
    for (const [invoice, decision, amount, at, reasons] of [
      ['R-1', 'deny', '420.50', '2025-03-03T02:00:00Z', ['TERMINAL_SILENT']],
      ['R-2', 'deny', '1800.00', '2025-03-20T02:00:00Z', ['FUEL_IMPLAUSIBLE', 'TERMINAL_SILENT']],
      ['R-3', 'allow', '300.00', '2025-03-21T02:00:00Z', []],
    ] as const) {
      await api.db.query(
        `INSERT INTO payment_checks (plate_number, plate_normalized, expense_type, amount, invoice_no, expense_date,
           decision, reasons, checked_at, checked_by)
         VALUES ('苏N·X0001', '苏NX0001', 'fuel', $1, $2, '2025-03-01', $3, $4, $5, 'finance-system')`,
        [amount, invoice, decision, JSON.stringify(reasons.map((code) => ({ code, message: code }))), at],
      );
    }
    const drawer = api.app.get(AuditDrawService, { strict: false });
    await drawer.drawWeek(parseIsoWeek('2025-W10', TZ)!, 'manual', 'test');
    await drawer.drawWeek(parseIsoWeek('2025-W11', TZ)!, 'manual', 'test');
    await drawer.drawWeek(parseIsoWeek('2026-W10', TZ)!, 'manual', 'test');
  }, 120_000);

  afterAll(async () => {
    await source.destroy();
    api.db.on('error', () => undefined);
    await api.close();
  });

  describe('the monthly oversight report for the district leaders', () => {
    it('carries exactly the figures of the stats endpoint for the same month, in the XLSX and the PDF', async () => {
      const stats = await api.http.get('/api/v1/stats?year=2025&month=3').set(as(centre)).expect(200);
      const expected = flatten(stats.body.totals);
      expected.delete('findingsByRule');
      const xlsx = await binary(
        api.http.get('/api/v1/reports/monthly-oversight?year=2025&month=3&format=xlsx').set(as(centre)),
      ).expect(200);
      expect(xlsx.headers['content-type']).toBe(XLSX);
      expect(xlsx.headers['content-disposition']).toBe('attachment; filename="oversight-2025-03.xlsx"');
      const figures = summaryFigures(await workbook(xlsx.body));
      // Every figure of the endpoint is in the report, with the same value.
      expect([...expected.keys()].filter((k) => !figures.has(k))).toEqual([]);
      for (const [key, value] of expected)
        expect({ key, value: Number(figures.get(key)) }).toEqual({ key, value: Number(value) });
      // The demo history's March meeting rejected two requests worth CNY 435,000; the gate denied two invoices.
      expect(figures.get('fundsSavedCny')).toBe(435_000);
      expect(figures.get('paymentGate.denials')).toBe(2);
      expect(figures.get('audit.weeksDrawn')).toBe(2);

      const pdf = await binary(
        api.http.get('/api/v1/reports/monthly-oversight?year=2025&month=3').set(as(inspector)),
      ).expect(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers.digest).toBe(`sha-256=${createHash('sha256').update(pdf.body).digest('base64')}`);
      const text = await pdfText(pdf.body);
      expect(text).toContain('公务用车监管月报 Monthly oversight report');
      expect(text).toContain('2025 年 3 月');
      const totals = stats.body.totals;
      for (const [label, value, kind] of [
        ['联席会议 Meetings held', totals.meetingsHeld, 'int'],
        ['否决 Rejected', totals.requestsRejected, 'int'],
        ['节约资金 元 Funds saved CNY', totals.fundsSavedCny, 'money'],
        ['立案 Cases opened', totals.cases.opened, 'int'],
        ['拒付 Denials', totals.paymentGate.denials, 'int'],
        ['拒付金额 元 Blocked CNY', totals.paymentGate.blockedCny, 'money'],
        ['覆盖率 Coverage', totals.audit.coverage, 'percent'],
        [`${nameOf(OUTCOME_NAMES, 'admonishment_talk')} 人数`, totals.peopleByOutcome.admonishment_talk, 'int'],
      ] as const) {
        expect(text).toContain(`${label} ${formatValue(Number(value), kind, TZ)}`);
      }
      expect(formatValue(Number(totals.fundsSavedCny), 'money', TZ)).toBe('435,000.00');
      for (const title of [
        '违规按规则 Findings by rule',
        '违规按单位（前 15 个） Findings by unit (top 15)',
        '每周抽查覆盖 Audit coverage by week',
        '付款核查拒付原因 Payment-gate denials by reason',
        '2025 年逐月节约 Savings month by month, CNY',
      ]) {
        expect(text).toContain(title);
      }
    });

    it('draws its charts from the database: findings by rule and unit, denials by reason, audit weeks, savings', async () => {
      const res = await binary(
        api.http.get('/api/v1/reports/monthly-oversight?year=2025&month=3&format=xlsx').set(as(centre)),
      ).expect(200);
      const book = await workbook(res.body);
      const stats = (await api.http.get('/api/v1/stats?year=2025&month=3').set(as(centre)).expect(200)).body;

      const byRule = sheetRows(book, '按规则 By rule');
      expect(byRule).toEqual(
        stats.totals.findingsByRule.map((f: { rule: string; violations: number; suspicions: number }) => ({
          '违规按规则 Findings by rule': nameOf(RULE_NAMES, f.rule),
          '违规 Violations': f.violations,
          '疑似 Suspicions': f.suspicions,
        })),
      );

      const units = await q<{ unit: string; violations: number }>(
        `SELECT u.name AS unit, count(*)::int AS violations FROM violations v
           JOIN vehicles c ON c.id = v.vehicle_id JOIN units u ON u.id = c.unit_id
          WHERE v.start_time >= '2025-03-01T00:00:00+08:00' AND v.start_time < '2025-04-01T00:00:00+08:00'
            AND v.kind = 'violation'
          GROUP BY u.name`,
      );
      const byUnit = sheetRows(book, '按单位 By unit');
      expect(units.length).toBeGreaterThan(0);
      expect(Object.fromEntries(byUnit.map((r) => [r['单位 Unit'], r['违规 Violations']]))).toEqual(
        Object.fromEntries(units.map((u) => [u.unit, u.violations])),
      );
      const ruleTotal = byRule.reduce((n, r) => n + Number(r['违规 Violations']), 0);
      expect(byUnit.reduce((n, r) => n + Number(r['违规 Violations']), 0)).toBe(ruleTotal);

      expect(sheetRows(book, '拒付原因 Denials')).toEqual([
        {
          '付款核查拒付原因 Payment-gate denials by reason': nameOf(GATE_REASON_NAMES, 'TERMINAL_SILENT'),
          '拒付 Denials': 2,
        },
        {
          '付款核查拒付原因 Payment-gate denials by reason': nameOf(GATE_REASON_NAMES, 'FUEL_IMPLAUSIBLE'),
          '拒付 Denials': 1,
        },
      ]);

      const weeks = await q<{ iso_week: string; sample_size: number }>(
        `SELECT iso_week, sample_size FROM audit_weeks WHERE iso_week LIKE '2025-%' ORDER BY iso_week`,
      );
      expect(sheetRows(book, '抽查 Audit weeks').map((r) => r['抽取 Drawn'])).toEqual(weeks.map((w) => w.sample_size));

      const year = (await api.http.get('/api/v1/stats?year=2025').set(as(centre)).expect(200)).body;
      const savings = sheetRows(book, '节约 Savings');
      expect(savings.map((r) => [r['否决购车预算 Rejected purchases'], r['拒付金额 Blocked payments']])).toEqual(
        year.months
          .slice(0, 3)
          .map((m: { fundsSavedCny: string; paymentGate: { blockedCny: string } }) => [
            Number(m.fundsSavedCny),
            Number(m.paymentGate.blockedCny),
          ]),
      );
    });
  });

  describe("a car's activity report", () => {
    it('lists the trips, stops, distance, off-hours distance and findings the database holds for the period', async () => {
      const res = await binary(
        api.http
          .get(`/api/v1/reports/activity?vehicleId=${carA}&from=2026-03-01&to=2026-03-31&format=xlsx`)
          .set(as(centre)),
      ).expect(200);
      const book = await workbook(res.body);
      const trips = await q<{ start_time: Date; distance_m: number; off_hours_distance_m: number }>(
        `SELECT start_time, distance_m, off_hours_distance_m FROM trips
          WHERE vehicle_id = $1 AND start_time >= '2026-03-01T00:00:00+08:00' AND start_time < '2026-04-01T00:00:00+08:00'
          ORDER BY start_time`,
        [carA],
      );
      expect(trips).toHaveLength(4);
      const tripRows = sheetRows(book, '行程 Trips');
      expect(tripRows.map((r) => r['里程 km'])).toEqual(trips.map((t) => t.distance_m / 1000));
      expect(tripRows.map((r) => r['非工作 km'])).toEqual(trips.map((t) => t.off_hours_distance_m / 1000));
      // Times are the wall clock in Shanghai: 08:40 local is 00:40 UTC.
      expect((tripRows[0]['出发 Start'] as Date).toISOString()).toBe('2026-03-02T08:40:00.000Z');
      expect(tripRows[0]['驾驶员 Driver']).toBe('王师傅');

      const stops = sheetRows(book, '停车 Stops');
      expect(stops.map((s) => s['时长 h:mm'])).toEqual([110 * 60, 7 * 3600, 13 * 3600 + 45 * 60]);

      const findings = await q<{ rule: string }>(
        `SELECT rule FROM violations WHERE vehicle_id = $1
          AND start_time >= '2026-03-01T00:00:00+08:00' AND start_time < '2026-04-01T00:00:00+08:00' ORDER BY start_time`,
        [carA],
      );
      const findingRows = sheetRows(book, '违规 Findings');
      expect(findingRows.map((f) => f['规则 Rule'])).toEqual(findings.map((f) => nameOf(RULE_NAMES, f.rule)));
      expect(findingRows[0]['案件 Case']).toBe('调查中 Investigating');

      const figures = summaryFigures(book);
      const distance = trips.reduce((s, t) => s + t.distance_m, 0) / 1000;
      const offHours = trips.reduce((s, t) => s + t.off_hours_distance_m, 0) / 1000;
      expect(Object.fromEntries(figures)).toMatchObject({
        cars: 1,
        trips: 4,
        stops: 3,
        distanceKm: distance,
        offHoursKm: offHours,
        violations: 1,
        suspicions: 1,
      });

      const pdf = await binary(
        api.http.get(`/api/v1/reports/activity?vehicleId=${carA}&from=2026-03-01&to=2026-03-31`).set(as(centre)),
      ).expect(200);
      const text = await pdfText(pdf.body);
      expect(text).toContain('苏N·R0001（区档案馆） · 2026-03-01 – 2026-03-31');
      expect(text).toContain(`里程 km Distance ${formatValue(distance, 'km', TZ)}`);
      expect(text).toContain(`非工作时间里程 km Off-hours distance ${formatValue(offHours, 'km', TZ)}`);
      expect(formatValue(distance, 'km', TZ)).toBe('46.0');
      for (const start of ['2026-03-02 08:40', '2026-03-02 11:00', '2026-03-02 18:30', '2026-03-03 09:00']) {
        expect(text).toContain(start);
      }
      expect(text).not.toContain('2026-02-28 10:00');
      expect(text).toContain('13:45');
      expect(text).toContain('王师傅');
      expect(text).toContain('非工作时间用车 Off-hours use');
      expect(text).toContain('第 1 / 1 页 Page 1 of 1');
    });

    it('refuses a period it cannot answer at once, naming the field', async () => {
      const reversed = await api.http
        .get(`/api/v1/reports/activity?vehicleId=${carA}&from=2026-03-31&to=2026-03-01`)
        .set(as(centre))
        .expect(400);
      expect(reversed.body.message.join(' ')).toMatch(/to \(2026-03-01\) must not be before from/);
      const long = await api.http
        .get(`/api/v1/reports/activity?vehicleId=${carA}&from=2026-01-01&to=2026-06-30`)
        .set(as(centre))
        .expect(400);
      expect(long.body.message.join(' ')).toMatch(/^to: .*at most 92 days.*report-jobs/);
      const format = await api.http
        .get(`/api/v1/reports/activity?vehicleId=${carA}&from=2026-03-01&to=2026-03-02&format=doc`)
        .set(as(centre))
        .expect(400);
      expect(format.body.message.join(' ')).toMatch(/format must be one of: pdf, xlsx/);
      const day = await api.http
        .get(`/api/v1/reports/activity?vehicleId=${carA}&from=2026-02-30&to=2026-03-02`)
        .set(as(centre))
        .expect(400);
      expect(day.body.message.join(' ')).toMatch(/from must be a date/);
    });
  });

  describe('the weekly audit report', () => {
    it("lists the week's draw in order with each item's review, and says the draw can be verified", async () => {
      const week = await api.http.get('/api/v1/audits/2026-W10').set(as(inspector)).expect(200);
      const first = week.body.items[0];
      await api.http
        .post(`/api/v1/audits/2026-W10/items/${first.id}`)
        .set(as(inspector))
        .send({ result: 'issue_found', note: '周日私用 private trip on Sunday' })
        .expect(200);
      const items = await q<{ plate_number: string; status: string }>(
        `SELECT v.plate_number, i.status FROM audit_items i JOIN audit_weeks w ON w.id = i.audit_week_id
           JOIN vehicles v ON v.id = i.vehicle_id WHERE w.iso_week = '2026-W10' ORDER BY i.position`,
      );
      const res = await binary(
        api.http.get('/api/v1/reports/weekly-audit?week=2026-W10&format=xlsx').set(as(centre)),
      ).expect(200);
      const book = await workbook(res.body);
      const rows = sheetRows(book, '抽查车辆 Items');
      expect(rows.map((r) => r['车牌 Plate'])).toEqual(items.map((i) => i.plate_number));
      expect(rows[0]).toMatchObject({
        '结论 Result': '发现问题 Issue found',
        '说明 Note': '周日私用 private trip on Sunday',
      });
      expect(Object.fromEntries(summaryFigures(book))).toMatchObject({
        sampleSize: items.length,
        issueFound: 1,
        pending: items.length - 1,
        verified: '是 yes',
      });

      const pdf = await binary(api.http.get('/api/v1/reports/weekly-audit?week=2026-W10').set(as(inspector))).expect(
        200,
      );
      const text = await pdfText(pdf.body);
      const [draw] = await q<{ seed: string }>(`SELECT seed FROM audit_weeks WHERE iso_week = '2026-W10'`);
      expect(text).toContain('2026-W10 · 2026-03-02 – 2026-03-08');
      expect(text).toContain(draw.seed);
      expect(text).toContain('The sample follows from its seed and roster');
      expect(text).toContain(items[0].plate_number);
    });

    it('answers 404 for a week not drawn', async () => {
      const res = await api.http.get('/api/v1/reports/weekly-audit?week=2026-W01').set(as(centre)).expect(404);
      expect(res.body.message).toBe('the audit of 2026-W01 has not been drawn');
    });
  });

  describe('report jobs', () => {
    it('makes a queued report in the background, shows its progress while running, and serves its file when done', async () => {
      const jobs = api.app.get(ReportJobs, { strict: false });
      const seen: { progress: number; status: string; reported: number }[] = [];
      const watch = async (jobId: string, progress: number) => {
        const res = await api.http.get(`/api/v1/report-jobs/${jobId}`).set(as(centre)).expect(200);
        seen.push({ progress: res.body.progress, status: res.body.status, reported: progress });
      };
      let created = '';
      jobs.progressListeners.add(watch);
      try {
        const res = await api.http
          .post('/api/v1/report-jobs')
          .set(as(centre))
          .send({ kind: 'activity', format: 'xlsx', from: '2026-03-01', to: '2026-03-31' })
          .expect(202);
        created = res.body.id;
        expect(res.body).toMatchObject({ status: 'queued', progress: 0, kind: 'activity', unitId: null, file: null });
        await api.app.get(ReportWorker, { strict: false }).settled();
      } finally {
        jobs.progressListeners.delete(watch);
      }
      // Each step the worker recorded was what the job showed at that moment.
      expect(seen.length).toBeGreaterThan(2);
      for (const step of seen.slice(0, -1))
        expect(step).toEqual({ ...step, status: 'running', progress: step.reported });
      expect(seen.at(-1)).toEqual({ progress: 100, status: 'done', reported: 100 });
      const steps = seen.map((s) => s.progress);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));

      const job: ReportJobView = (await api.http.get(`/api/v1/report-jobs/${created}`).set(as(centre)).expect(200))
        .body;
      expect(job).toMatchObject({ status: 'done', progress: 100, period: '2026-03-01..2026-03-31', attempts: 1 });
      const file = await binary(api.http.get(`/api/v1/report-jobs/${created}/file`).set(as(centre))).expect(200);
      expect(sha256(file.body)).toBe(job.file!.sha256);
      expect(file.body.length).toBe(job.file!.size);
      expect(file.headers['content-type']).toBe(XLSX);
      // The whole fleet in service in March, each car with its own trips.
      const cars = sheetRows(await workbook(file.body), '车辆 Cars');
      const [fleet] = await q<{ n: number }>(
        `SELECT count(*)::int AS n FROM vehicles
          WHERE commissioned_on <= '2026-03-31' AND (decommissioned_on IS NULL OR decommissioned_on >= '2026-03-01')`,
      );
      expect(cars).toHaveLength(fleet.n);
      const tripsOf = Object.fromEntries(cars.map((c) => [c['车牌 Plate'], c['行程 Trips']]));
      expect(tripsOf).toMatchObject({ '苏N·R0001': 4, '苏N·R0002': 1, '苏N·R0003': 0 });
      expect(cars.reduce((n, c) => n + Number(c['行程 Trips']), 0)).toBe(5);
    });

    it('records why a job failed and answers 409 for its file', async () => {
      const jobs = api.app.get(ReportJobs, { strict: false });
      // Queued directly: the endpoint refuses an undrawn week before queuing it.
      const job = await jobs.enqueue({
        request: { kind: 'weekly_audit', week: '2026-W02' },
        format: 'pdf',
        unitId: null,
        requestedBy: 'test',
      });
      const worker = api.app.get(ReportWorker, { strict: false });
      worker.kick();
      await worker.settled();
      const res = await api.http.get(`/api/v1/report-jobs/${job.id}`).set(as(centre)).expect(200);
      expect(res.body).toMatchObject({
        status: 'failed',
        error: 'the audit of 2026-W02 has not been drawn',
        file: null,
      });
      const file = await api.http.get(`/api/v1/report-jobs/${job.id}/file`).set(as(centre)).expect(409);
      expect(file.body.message).toMatch(/failed: the audit of 2026-W02 has not been drawn/);
    });

    it('refuses a request it cannot make, naming the field, before queuing anything', async () => {
      const before = (await q<{ n: number }>('SELECT count(*)::int AS n FROM report_jobs'))[0].n;
      const missing = await api.http
        .post('/api/v1/report-jobs')
        .set(as(centre))
        .send({ kind: 'activity', format: 'pdf', to: '2026-03-31' })
        .expect(400);
      expect(missing.body.message.join(' ')).toMatch(/from must be a date/);
      const week = await api.http
        .post('/api/v1/report-jobs')
        .set(as(centre))
        .send({ kind: 'weekly_audit', format: 'pdf', week: 'W10' })
        .expect(400);
      expect(week.body.message.join(' ')).toMatch(/week must be an ISO week/);
      const month = await api.http
        .post('/api/v1/report-jobs')
        .set(as(centre))
        .send({ kind: 'monthly_oversight', format: 'xlsx', year: 2026, month: 13 })
        .expect(400);
      expect(month.body.message.join(' ')).toMatch(/month must not be greater than 12/);
      const long = await api.http
        .post('/api/v1/report-jobs')
        .set(as(centre))
        .send({ kind: 'activity', format: 'pdf', from: '2024-01-01', to: '2026-01-01' })
        .expect(400);
      expect(long.body.message.join(' ')).toMatch(/at most 366/);
      await api.http
        .post('/api/v1/report-jobs')
        .set(as(centre))
        .send({ kind: 'weekly_audit', format: 'pdf', week: '2026-W03' })
        .expect(404);
      expect((await q<{ n: number }>('SELECT count(*)::int AS n FROM report_jobs'))[0].n).toBe(before);
    });
  });

  describe('ownership: a unit clerk gets their own unit’s reports only', () => {
    it('gets their own car’s report and a 404 for another unit’s car', async () => {
      await binary(
        api.http.get(`/api/v1/reports/activity?vehicleId=${carA}&from=2026-03-01&to=2026-03-31`).set(as(clerkA)),
      ).expect(200);
      const other = await api.http
        .get(`/api/v1/reports/activity?vehicleId=${carB}&from=2026-03-01&to=2026-03-31`)
        .set(as(clerkA))
        .expect(404);
      expect(other.body.message).toBe(`vehicle ${carB} not found`);
    });

    it('queues reports of their own unit only, and sees and downloads only those', async () => {
      const foreign = await api.http
        .post('/api/v1/report-jobs')
        .set(as(clerkA))
        .send({ kind: 'activity', format: 'pdf', unitId: unitB, from: '2026-03-01', to: '2026-03-31' })
        .expect(403);
      expect(foreign.body.message).toMatch(/own unit/);
      await api.http
        .post('/api/v1/report-jobs')
        .set(as(clerkA))
        .send({ kind: 'activity', format: 'pdf', vehicleId: carB, from: '2026-03-01', to: '2026-03-31' })
        .expect(404);
      const monthly = await api.http
        .post('/api/v1/report-jobs')
        .set(as(clerkA))
        .send({ kind: 'monthly_oversight', format: 'pdf', year: 2026, month: 3 })
        .expect(403);
      expect(monthly.body.message).toMatch(/reports\.oversight/);
      await api.http.get('/api/v1/reports/monthly-oversight?year=2026&month=3').set(as(clerkA)).expect(403);

      // Without a scope, a clerk's report covers their own unit.
      const own = await api.http
        .post('/api/v1/report-jobs')
        .set(as(clerkA))
        .send({ kind: 'activity', format: 'pdf', from: '2026-03-01', to: '2026-03-31' })
        .expect(202);
      expect(own.body).toMatchObject({ unitId: unitA, request: { unitId: unitA } });
      const centreJob = await api.http
        .post('/api/v1/report-jobs')
        .set(as(centre))
        .send({ kind: 'monthly_oversight', format: 'pdf', year: 2026, month: 3 })
        .expect(202);
      await api.app.get(ReportWorker, { strict: false }).settled();

      const mine = await api.http.get('/api/v1/report-jobs').set(as(clerkA)).expect(200);
      expect(mine.body.items.length).toBeGreaterThan(0);
      expect(mine.body.items.every((j: ReportJobView) => j.unitId === unitA && j.kind === 'activity')).toBe(true);
      await api.http.get(`/api/v1/report-jobs/${centreJob.body.id}`).set(as(clerkA)).expect(404);
      await api.http.get(`/api/v1/report-jobs/${centreJob.body.id}/file`).set(as(clerkA)).expect(404);
      await api.http.get(`/api/v1/report-jobs/${own.body.id}`).set(as(clerkB)).expect(404);
      await api.http.get(`/api/v1/report-jobs/${own.body.id}/file`).set(as(clerkB)).expect(404);
      expect((await api.http.get('/api/v1/report-jobs').set(as(clerkB)).expect(200)).body).toMatchObject({
        items: [],
        total: 0,
      });

      const file = await binary(api.http.get(`/api/v1/report-jobs/${own.body.id}/file`).set(as(clerkA))).expect(200);
      const text = await pdfText(file.body);
      expect(text).toContain('区档案馆 · 2026-03-01 – 2026-03-31');
      expect(text).toContain('苏N·R0003');
      expect(text).not.toContain('苏N·R0002');
      // The centre's job was made too, and the centre sees every job.
      const all = await api.http
        .get('/api/v1/report-jobs?status=done&kind=monthly_oversight')
        .set(as(centre))
        .expect(200);
      expect(all.body.items.map((j: ReportJobView) => j.id)).toContain(centreJob.body.id);
    });
  });
});
