import { fixedClock } from '#app/calendar';
import { DecisionCommitter } from '../../apps/api/src/payment-gate/decision-committer.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { addCar, addUnit, bind, heardAt } from './gate-fixtures.js';

/** 2026-11-26 10:00:00 in Asia/Shanghai. */
const NOW = new Date('2026-11-26T02:00:00Z');
const clock = fixedClock(NOW);

describe('payment gate', () => {
  let api: TestApi;
  let finance: string;
  const cars: Record<string, string> = {};

  const check = (body: Record<string, unknown>, token = finance) =>
    api.http.post('/api/v1/payment-gate/checks').set('Authorization', `Bearer ${token}`).send(body);

  let invoiceSeq = 0;
  const request = (plateNumber: string, expenseDate = '2026-11-20', extra: Record<string, unknown> = {}) => ({
    plateNumber,
    expenseType: 'fuel',
    amount: '356.80',
    invoiceNo: `044001900111-${String(++invoiceSeq).padStart(8, '0')}`,
    expenseDate,
    ...extra,
  });

  const recorded = async (invoiceNo: string) =>
    (await api.db.query('SELECT count(*)::int AS n FROM payment_checks WHERE invoice_no = $1', [invoiceNo])).rows[0]
      .n as number;

  beforeAll(async () => {
    api = await startTestApi({}, { clock });
    finance = await api.tokenFor(['finance']);
    const unit = await addUnit(api.db, '区财政局');

    // Heard the day before the expense date: allowed.
    cars.heard = await addCar(api.db, unit, '苏N·A0001');
    await bind(api.db, cars.heard, 'T-HEARD', '2026-01-01');
    await heardAt(api.db, 'T-HEARD', cars.heard, '2026-11-19T12:00:00+08:00');

    // Last heard just before the 72 h window that ends at 2026-11-21 00:00 +08:00.
    cars.silent = await addCar(api.db, unit, '苏N·A0002');
    await bind(api.db, cars.silent, 'T-SILENT', '2026-01-01');
    await heardAt(api.db, 'T-SILENT', cars.silent, '2026-11-17T23:59:59+08:00');
    await heardAt(api.db, 'T-SILENT', cars.silent, '2026-11-18T00:00:00+08:00');
    await heardAt(api.db, 'T-SILENT', cars.silent, '2026-11-21T00:00:01+08:00');

    // Heard at the very last instant of the expense day.
    cars.lastInstant = await addCar(api.db, unit, '苏N·A0003');
    await bind(api.db, cars.lastInstant, 'T-LAST', '2026-01-01');
    await heardAt(api.db, 'T-LAST', cars.lastInstant, '2026-11-21T00:00:00+08:00');

    // Retired on 2026-11-10; its terminal unbound the same day.
    cars.retired = await addCar(api.db, unit, '苏N·A0004', '2026-11-10');
    await bind(api.db, cars.retired, 'T-RETIRED', '2026-01-01', '2026-11-10');
    await heardAt(api.db, 'T-RETIRED', cars.retired, '2026-11-09T09:00:00+08:00');

    // Terminal swapped: old one until 11-15 (inclusive), new one from 11-22; nothing in between.
    cars.gap = await addCar(api.db, unit, '苏N·A0005');
    await bind(api.db, cars.gap, 'T-GAP-OLD', '2026-01-01', '2026-11-15');
    await bind(api.db, cars.gap, 'T-GAP-NEW', '2026-11-22');
    await heardAt(api.db, 'T-GAP-OLD', cars.gap, '2026-11-14T09:00:00+08:00');
  });
  afterAll(() => api.close());

  it('allows an expense of a registered car whose terminal reported within 72 h, with the contract shape', async () => {
    const body = request('苏N·A0001');
    const res = await check(body).expect(200);
    expect(res.body).toEqual({
      checkId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      decision: 'allow',
      reasons: [],
      vehicle: { id: cars.heard, plateNumber: '苏NA0001', unit: '区财政局' },
      checkedAt: '2026-11-26T10:00:00+08:00',
    });
    const { rows } = await api.db.query('SELECT * FROM payment_checks WHERE check_id = $1', [res.body.checkId]);
    expect(rows[0]).toMatchObject({
      plate_number: '苏N·A0001',
      plate_normalized: '苏NA0001',
      vehicle_id: cars.heard,
      unit_name: '区财政局',
      expense_type: 'fuel',
      amount: '356.80',
      invoice_no: body.invoiceNo,
      decision: 'allow',
      reasons: [],
      checked_by: 'user1_finance',
    });
    expect(rows[0].checked_at.toISOString()).toBe(NOW.toISOString());
  });

  it('matches the plate after removing spaces, dots and dashes and upper-casing', async () => {
    const res = await check(request(' 苏n-a 0001 ')).expect(200);
    expect(res.body.decision).toBe('allow');
    expect(res.body.vehicle.id).toBe(cars.heard);
  });

  it('denies VEHICLE_NOT_REGISTERED with vehicle null for an unknown plate', async () => {
    const res = await check(request('苏N·Z9999')).expect(200);
    expect(res.body.decision).toBe('deny');
    expect(res.body.vehicle).toBeNull();
    expect(res.body.reasons).toEqual([
      { code: 'VEHICLE_NOT_REGISTERED', message: 'no official car with the plate 苏NZ9999 is registered' },
    ]);
  });

  it('denies TERMINAL_SILENT when the last position is at or before the start of the 72 h window', async () => {
    const res = await check(request('苏N·A0002')).expect(200);
    expect(res.body.decision).toBe('deny');
    expect(res.body.reasons.map((r: { code: string }) => r.code)).toEqual(['TERMINAL_SILENT']);
    expect(res.body.reasons[0].message).toBe(
      'terminal T-SILENT sent no accepted position in the 72 h up to the end of 2026-11-20',
    );
  });

  it('counts a position at the last instant of the expense day (Asia/Shanghai) as within the window', async () => {
    const res = await check(request('苏N·A0003', '2026-11-20')).expect(200);
    expect(res.body.decision).toBe('allow');
    // The same position lies after the window of the day before.
    const dayBefore = await check(request('苏N·A0003', '2026-11-19')).expect(200);
    expect(dayBefore.body.reasons.map((r: { code: string }) => r.code)).toEqual(['TERMINAL_SILENT']);
  });

  it('denies VEHICLE_DECOMMISSIONED (and NO_ACTIVE_TERMINAL) after retirement, but not on the retirement day', async () => {
    const after = await check(request('苏N·A0004', '2026-11-20')).expect(200);
    expect(after.body.decision).toBe('deny');
    expect(after.body.reasons.map((r: { code: string }) => r.code)).toEqual([
      'VEHICLE_DECOMMISSIONED',
      'NO_ACTIVE_TERMINAL',
    ]);
    expect(after.body.reasons.map((r: { message: string }) => r.message)).toEqual([
      'the car was decommissioned on 2026-11-10, before the expense date',
      'no terminal was bound to the car on 2026-11-20',
    ]);
    const sameDay = await check(request('苏N·A0004', '2026-11-10')).expect(200);
    expect(sameDay.body).toMatchObject({ decision: 'allow', reasons: [] });
  });

  it('denies NO_ACTIVE_TERMINAL on a day between two bindings and allows on the last day of the old one', async () => {
    const between = await check(request('苏N·A0005', '2026-11-20')).expect(200);
    expect(between.body.reasons.map((r: { code: string }) => r.code)).toEqual(['NO_ACTIVE_TERMINAL']);
    const lastDay = await check(request('苏N·A0005', '2026-11-15')).expect(200);
    expect(lastDay.body).toMatchObject({ decision: 'allow', reasons: [] });
  });

  it('returns the earlier decision with the same checkId when the same request is repeated', async () => {
    const body = request('苏N·A0001');
    const first = await check(body).expect(200);
    const again = await check({ ...body, plateNumber: '苏NA0001', amount: '356.8', expenseDate: '2026-11-21' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await recorded(body.invoiceNo)).toBe(1);
    const history = await api.db.query(
      `SELECT action, actor, data FROM history WHERE entity_type = 'payment_check' AND entity_id = $1`,
      [first.body.checkId],
    );
    expect(history.rows).toEqual([
      {
        action: 'decided',
        actor: 'user1_finance',
        data: expect.objectContaining({ decision: 'allow', invoiceNo: body.invoiceNo, amount: '356.80' }),
      },
    ]);
  });

  it('chains every decision into the history exactly once, also one an earlier version left unchained', async () => {
    // A decision committed by a version that chained decisions after their commit, and stopped before it did.
    const { rows } = await api.db.query(
      `INSERT INTO payment_checks (plate_number, plate_normalized, expense_type, amount, invoice_no, expense_date,
                                   decision, reasons, checked_by)
       VALUES ('苏N·Z0001', '苏NZ0001', 'toll', 10, 'LEFT-BEHIND', '2026-11-20', 'deny',
               '[{"code": "VEHICLE_NOT_REGISTERED", "message": "x"}]', 'finance-system')
       RETURNING check_id`,
    );
    // What the next start does.
    await api.app.get(DecisionCommitter).onApplicationBootstrap();
    const chained = await api.db.query(
      `SELECT c.check_id, count(h.seq)::int AS entries
       FROM payment_checks c LEFT JOIN history h ON h.entity_type = 'payment_check' AND h.entity_id = c.check_id::text
       GROUP BY c.check_id, c.history_appended HAVING count(h.seq) <> 1 OR NOT c.history_appended`,
    );
    expect(chained.rows).toEqual([]);
    const left = await api.db.query(`SELECT actor, data FROM history WHERE entity_id = $1`, [rows[0].check_id]);
    expect(left.rows).toEqual([
      {
        actor: 'finance-system',
        data: expect.objectContaining({ decision: 'deny', reasons: ['VEHICLE_NOT_REGISTERED'] }),
      },
    ]);
  });

  it('decides once when identical requests arrive at the same time', async () => {
    const body = request('苏N·A0001');
    const answers = await Promise.all(Array.from({ length: 8 }, () => check(body)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.body.checkId)).size).toBe(1);
    expect(await recorded(body.invoiceNo)).toBe(1);
  });

  it.each([
    ['a different car', { plateNumber: '苏N·A0003' }],
    ['a different expense type', { expenseType: 'repair' }],
    ['a different amount', { amount: '356.81' }],
  ])('denies INVOICE_REUSED when the invoice was already checked for %s', async (_, change) => {
    const body = request('苏N·A0001');
    const first = await check(body).expect(200);
    expect(first.body.decision).toBe('allow');
    const reused = await check({ ...body, expenseDate: '2026-11-20', ...change }).expect(200);
    expect(reused.body.decision).toBe('deny');
    expect(reused.body.checkId).not.toBe(first.body.checkId);
    expect(reused.body.reasons.map((r: { code: string }) => r.code)).toEqual(['INVOICE_REUSED']);
    expect(await recorded(body.invoiceNo)).toBe(2);
  });

  it('answers 400 naming every offending field and records nothing', async () => {
    const res = await check({
      plateNumber: '',
      expenseType: 'champagne',
      amount: '12.345',
      invoiceNo: 'bad\u0007no',
      expenseDate: '2026-02-30',
      tip: 'x',
    }).expect(400);
    const text = (res.body.message as string[]).join('\n');
    for (const field of ['plateNumber', 'expenseType', 'amount', 'invoiceNo', 'expenseDate', 'tip']) {
      expect(text).toContain(field);
    }
    const empty = await check({}).expect(400);
    expect(empty.body.message).toEqual([
      'plateNumber is required',
      'expenseType is required',
      'amount is required',
      'invoiceNo is required',
      'expenseDate is required',
    ]);
    expect(await recorded('bad\u0007no')).toBe(0);
  });

  it.each([
    ['0', 'zero'],
    ['-5.00', 'negative'],
    ['1e3', 'exponent'],
    ['12345678901.00', 'more than numeric(12,2) holds'],
  ])('rejects amount %s (%s)', async (amount) => {
    const body = request('苏N·A0001', '2026-11-20', { amount });
    const res = await check(body).expect(400);
    expect(res.body.message).toEqual([expect.stringContaining('amount')]);
    expect(await recorded(body.invoiceNo)).toBe(0);
  });

  it('rejects an amount sent as a JSON number and an invoice number longer than 64 characters', async () => {
    const res = await check(request('苏N·A0001', '2026-11-20', { amount: 356.8, invoiceNo: '9'.repeat(65) })).expect(
      400,
    );
    expect(res.body.message).toHaveLength(2);
  });

  it('rejects an expense date after today in Asia/Shanghai, whatever the UTC date', async () => {
    const future = await check(request('苏N·A0001', '2026-11-27')).expect(400);
    expect(future.body.message).toEqual([expect.stringMatching(/expenseDate must not be in the future/)]);
    await check(request('苏N·A0001', '2026-11-26')).expect(200);
    // 2026-11-26 16:30 UTC is already 2026-11-27 00:30 in Shanghai.
    clock.set('2026-11-26T16:30:00Z');
    try {
      const res = await check(request('苏N·A0001', '2026-11-27')).expect(200);
      expect(res.body.checkedAt).toBe('2026-11-27T00:30:00+08:00');
    } finally {
      clock.set(NOW);
    }
  });

  it('answers 401 without credentials and 403 for roles other than finance', async () => {
    await api.http.post('/api/v1/payment-gate/checks').send(request('苏N·A0001')).expect(401);
    for (const role of ['centre', 'inspector', 'unit'] as const) {
      const token = await api.tokenFor([role]);
      await check(request('苏N·A0001'), token).expect(403);
    }
  });

  it('accepts an API key of the finance system and records the key name as the checker', async () => {
    const admin = await api.tokenFor(['admin']);
    const key = await api.http
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'finance-system', roles: ['finance'] })
      .expect(201);
    const res = await check(request('苏N·A0001'), key.body.key).expect(200);
    const { rows } = await api.db.query('SELECT checked_by FROM payment_checks WHERE check_id = $1', [
      res.body.checkId,
    ]);
    expect(rows[0].checked_by).toBe('finance-system');
  });

  it('lists recorded decisions to finance, centre and inspectors with filters and pages', async () => {
    clock.set('2026-11-22T02:00:00Z');
    const early = await check(request('苏N·A0002', '2026-11-20')).expect(200);
    clock.set(NOW);

    for (const role of ['finance', 'centre', 'inspector'] as const) {
      const token = await api.tokenFor([role]);
      await api.http.get('/api/v1/payment-gate/checks').set('Authorization', `Bearer ${token}`).expect(200);
    }
    const unit = await api.tokenFor(['unit']);
    await api.http.get('/api/v1/payment-gate/checks').set('Authorization', `Bearer ${unit}`).expect(403);

    const list = (query: string) =>
      api.http.get(`/api/v1/payment-gate/checks?${query}`).set('Authorization', `Bearer ${finance}`).expect(200);

    const silent = await list('plate=苏N-A0002&decision=deny');
    expect(silent.body.items.length).toBeGreaterThanOrEqual(2);
    expect(silent.body.items.every((i: { plateNumber: string }) => i.plateNumber === '苏N·A0002')).toBe(true);
    expect(silent.body.items[0]).toMatchObject({
      decision: 'deny',
      expenseType: 'fuel',
      amount: '356.80',
      checkedBy: 'user1_finance',
      vehicle: { id: cars.silent, plateNumber: '苏NA0002', unit: '区财政局' },
    });

    const onDay = await list('from=2026-11-22&to=2026-11-22');
    expect(onDay.body.items.map((i: { checkId: string }) => i.checkId)).toEqual([early.body.checkId]);
    expect(onDay.body.items[0].checkedAt).toBe('2026-11-22T10:00:00+08:00');
    expect(
      (await list('from=2026-11-23&decision=allow')).body.items.map((i: { decision: string }) => i.decision),
    ).not.toContain('deny');

    const all = await list('limit=500');
    const page = await list('limit=3&offset=2');
    expect(page.body).toMatchObject({ total: all.body.total, limit: 3, offset: 2 });
    expect(page.body.items).toEqual(all.body.items.slice(2, 5));

    await api.http
      .get('/api/v1/payment-gate/checks?from=2026-13-01&limit=0')
      .set('Authorization', `Bearer ${finance}`)
      .expect(400);
  });
});
