import { DataSource } from 'typeorm';
import { AuditDrawService, parseIsoWeek } from '#app/audit';
import { dataSourceOptions } from '#app/db';
import { seedDemoHistory } from '#app/demo-history';
import { HistoryService } from '#app/history';
import { startTestApi, type TestApi } from '../support/test-app.js';

describe('statistics for the centre and the district leaders', () => {
  let api: TestApi;
  let source: DataSource;
  let centre: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApi();
    source = new DataSource({ ...dataSourceOptions(api.database.url), extra: { max: 2 } });
    await source.initialize();
    centre = await api.tokenFor(['centre']);
  });
  afterAll(async () => {
    await source.destroy();
    // pool.end() resolves before its sockets have closed, and the forced drop of the database may reach one.
    api.db.on('error', () => undefined);
    await api.close();
  });

  it("reproduces last year's figures from the demo history (4 meetings, 6 rejections, CNY 860,000, 36 corrected, 18 people)", async () => {
    const seeded = await seedDemoHistory(source, 2025);
    expect(seeded).toMatchObject({
      skipped: false,
      meetings: 4,
      rejected: 6,
      savedCny: '860000.00',
      casesRectified: 36,
      peopleAdmonishedOrSanctioned: 18,
    });
    const res = await api.http.get('/api/v1/stats?year=2025').set(auth(centre)).expect(200);
    expect(res.body.totals).toMatchObject({
      meetingsHeld: 4,
      requestsRejected: 6,
      requestsApproved: 8,
      fundsSavedCny: '860000.00',
      cases: { confirmed: 36, rectified: 36 },
      peopleAdmonishedOrSanctioned: 18,
      peopleByOutcome: {
        admonishment_talk: 12,
        disciplinary_sanction: 6,
        criticism_education: 14,
        public_notice: 4,
      },
    });
    const findings = res.body.totals.findingsByRule as { rule: string; violations: number }[];
    expect(findings.reduce((n, f) => n + f.violations, 0)).toBe(36);
    expect(res.body.months).toHaveLength(12);
    expect(res.body.months.map((m: { meetingsHeld: number }) => m.meetingsHeld)).toEqual([
      0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1,
    ]);
    expect(res.body.months[2]).toMatchObject({ month: 3, requestsRejected: 2, fundsSavedCny: '435000.00' });
    const history = await new HistoryService(source).verify();
    expect(history.ok).toBe(true);
  });

  it('loads the demo history once: a second run changes nothing', async () => {
    const again = await seedDemoHistory(source, 2025);
    expect(again.skipped).toBe(true);
    const res = await api.http.get('/api/v1/stats?year=2025').set(auth(centre)).expect(200);
    expect(res.body.totals).toMatchObject({ meetingsHeld: 4, requestsRejected: 6, fundsSavedCny: '860000.00' });
  });

  it('gives one month on its own, with month bounds in Shanghai time', async () => {
    // A rejected request decided at 23:30 on 31 December 2024 Shanghai time (15:30 UTC) belongs to 2024.
    const unit = await api.db.query<{ id: string }>('SELECT id FROM units LIMIT 1');
    await api.db.query(
      `INSERT INTO purchase_requests (unit_id, category, count, budget_cny, engine_l, justification, status, requested_by,
         decided_at)
       VALUES ($1, 'general', 1, 99999.99, 1.5, 'edge of the year', 'rejected', 'test', '2024-12-31T15:30:00Z')`,
      [unit.rows[0].id],
    );
    const dec2024 = await api.http.get('/api/v1/stats?year=2024&month=12').set(auth(centre)).expect(200);
    expect(dec2024.body.totals).toMatchObject({ requestsRejected: 1, fundsSavedCny: '99999.99' });
    expect(dec2024.body.months).toEqual([expect.objectContaining({ month: 12, requestsRejected: 1 })]);
    const jan2025 = await api.http.get('/api/v1/stats?year=2025&month=1').set(auth(centre)).expect(200);
    expect(jan2025.body.totals.requestsRejected).toBe(0);
  });

  it('counts payment-gate denials and the amounts they blocked', async () => {
    for (const [invoice, decision, amount, at] of [
      ['INV-1', 'deny', '420.50', '2025-04-02T02:00:00Z'],
      ['INV-2', 'deny', '1800.00', '2025-04-20T02:00:00Z'],
      ['INV-3', 'allow', '300.00', '2025-04-21T02:00:00Z'],
      ['INV-4', 'deny', '99.00', '2025-05-01T02:00:00Z'],
    ]) {
      await api.db.query(
        `INSERT INTO payment_checks (plate_number, plate_normalized, expense_type, amount, invoice_no, expense_date,
           decision, reasons, checked_at, checked_by)
         VALUES ('苏N·X0001', '苏NX0001', 'fuel', $1, $2, '2025-04-01', $3, $4, $5, 'finance-system')`,
        [amount, invoice, decision, decision === 'deny' ? '[{"code":"TERMINAL_SILENT","message":"silent"}]' : '[]', at],
      );
    }
    const res = await api.http.get('/api/v1/stats?year=2025').set(auth(centre)).expect(200);
    expect(res.body.totals.paymentGate).toEqual({ checks: 4, denials: 3, blockedCny: '2319.50' });
    expect(res.body.months[3].paymentGate).toEqual({ checks: 3, denials: 2, blockedCny: '2220.50' });
    expect(res.body.months[4].paymentGate).toEqual({ checks: 1, denials: 1, blockedCny: '99.00' });
  });

  it('reports audit coverage of the weeks drawn in the period', async () => {
    const drawer = api.app.get(AuditDrawService, { strict: false });
    await drawer.drawWeek(parseIsoWeek('2025-W10', 'Asia/Shanghai')!, 'manual', 'test');
    await drawer.drawWeek(parseIsoWeek('2025-W11', 'Asia/Shanghai')!, 'manual', 'test');
    const res = await api.http.get('/api/v1/stats?year=2025&month=3').set(auth(centre)).expect(200);
    const distinct = await api.db.query<{ n: number }>('SELECT count(DISTINCT vehicle_id)::int AS n FROM audit_items');
    expect(res.body.totals.audit).toMatchObject({
      weeksDrawn: 2,
      carsDrawn: 82,
      distinctCars: distinct.rows[0].n,
      fleet: 403,
    });
    expect(res.body.totals.audit.coverage).toBeCloseTo(distinct.rows[0].n / 403, 4);
  });

  it('counts an audit finding under its own rule and its case as opened', async () => {
    const inspector = await api.tokenFor(['inspector']);
    const week = await api.http.get('/api/v1/audits/2025-W10').set(auth(inspector)).expect(200);
    await api.http
      .post(`/api/v1/audits/2025-W10/items/${week.body.items[0].id}`)
      .set(auth(inspector))
      .send({ result: 'issue_found', note: 'private trip on Sunday' })
      .expect(200);
    const year = new Date().getUTCFullYear();
    const res = await api.http.get(`/api/v1/stats?year=${year}`).set(auth(centre)).expect(200);
    expect(res.body.totals.findingsByRule).toContainEqual({ rule: 'audit_finding', violations: 1, suspicions: 0 });
    expect(res.body.totals.cases.opened).toBeGreaterThanOrEqual(1);
  });

  it('counts people, not cases: one person admonished twice counts once', async () => {
    const car = await api.db.query<{ id: string }>(`SELECT id FROM vehicles LIMIT 1`);
    for (const day of ['2024-11-04', '2024-11-12']) {
      await api.db.query(
        `INSERT INTO cases (vehicle_id, rule, local_day, status, title, outcome, responsible_person, opened_at)
         VALUES ($1, 'off_hours', $2, 'outcome_recorded', 'off hours', 'admonishment_talk', '赵某', $2::date + time '10:00')`,
        [car.rows[0].id, day],
      );
    }
    const res = await api.http.get('/api/v1/stats?year=2024&month=11').set(auth(centre)).expect(200);
    expect(res.body.totals.peopleByOutcome.admonishment_talk).toBe(1);
    expect(res.body.totals.peopleAdmonishedOrSanctioned).toBe(1);
    expect(res.body.totals.cases).toMatchObject({ opened: 2, confirmed: 2, rectified: 0 });
  });

  it('is for the centre, inspectors and administrators, and checks year and month', async () => {
    await api.http
      .get('/api/v1/stats?year=2025')
      .set(auth(await api.tokenFor(['inspector'])))
      .expect(200);
    await api.http
      .get('/api/v1/stats?year=2025')
      .set(auth(await api.tokenFor(['finance'])))
      .expect(403);
    await api.http
      .get('/api/v1/stats?year=2025')
      .set(auth(await api.tokenFor(['unit'])))
      .expect(403);
    const bad = await api.http.get('/api/v1/stats?year=25&month=13').set(auth(centre)).expect(400);
    expect(bad.body.message.join(' ')).toMatch(/year/);
    expect(bad.body.message.join(' ')).toMatch(/month/);
  });
});
