import { startTestApi, type TestApi } from '../support/test-app.js';

/** Inputs a generated-request tester found that ended in a 500 (or the gate's 503): each is now a 400 naming the field. */
describe('inputs the database cannot take are refused with a 400 naming the field', () => {
  let api: TestApi;
  let centre: string;
  let finance: string;
  let inspector: string;
  let clerk: string;
  let admin: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApi();
    [centre, finance, inspector, clerk, admin] = await Promise.all([
      api.tokenFor(['centre']),
      api.tokenFor(['finance']),
      api.tokenFor(['inspector']),
      api.tokenFor(['unit']),
      api.tokenFor(['admin']),
    ]);
  });
  afterAll(() => api.close());

  it('refuses a NUL character in a text field of a body, naming the field', async () => {
    const res = await api.http
      .post('/api/v1/units')
      .set(auth(centre))
      .send({ name: 'Finance\u0000Bureau', vehicleQuota: 3 })
      .expect(400);
    expect(res.body.message).toEqual(['name must not contain a NUL character (\\u0000)']);
    expect((await api.db.query('SELECT 1 FROM units')).rowCount).toBe(0);
  });

  it('refuses a NUL character in a filter, naming the filter', async () => {
    const res = await api.http.get('/api/v1/vehicles').query({ plate: 'A1\u00002' }).set(auth(finance)).expect(400);
    expect(res.body.message).toEqual(['plate must not contain a NUL character (\\u0000)']);
  });

  it('answers a NUL character on the payment gate with a 400 naming the field, not "database unavailable"', async () => {
    const check = await api.http
      .post('/api/v1/payment-gate/checks')
      .set(auth(finance))
      .send({
        plateNumber: '苏N·A12\u000034',
        expenseType: 'fuel',
        amount: '10.00',
        invoiceNo: 'inv-1',
        expenseDate: '2026-11-20',
      })
      .expect(400);
    expect(check.body.message).toEqual(['plateNumber must not contain a NUL character (\\u0000)']);
    const list = await api.http
      .get('/api/v1/payment-gate/checks')
      .query({ plate: '\u0000' })
      .set(auth(finance))
      .expect(400);
    expect(list.body.message).toEqual(['plate must not contain a NUL character (\\u0000)']);
  });

  it('refuses page=1e20, offset=1e300 and afterSeq=1e300 instead of sending exponent notation to SQL', async () => {
    const page = await api.http.get('/api/v1/vehicles').query({ page: '1e20' }).set(auth(finance)).expect(400);
    expect(page.body.message).toEqual([expect.stringMatching(/^page must be between/)]);
    const offset = await api.http
      .get('/api/v1/payment-gate/checks')
      .query({ offset: '1e300' })
      .set(auth(finance))
      .expect(400);
    expect(offset.body.message).toEqual([expect.stringMatching(/^offset must be between/)]);
    const seq = await api.http.get('/api/v1/history').query({ afterSeq: '1e300' }).set(auth(inspector)).expect(400);
    expect(seq.body.message).toEqual([expect.stringMatching(/^afterSeq must be between/)]);
    // The largest whole number that is still exact is taken: an empty page, not an error.
    await api.http
      .get('/api/v1/history')
      .query({ afterSeq: String(Number.MAX_SAFE_INTEGER) })
      .set(auth(inspector))
      .expect(200);
  });

  it('refuses engineL and engineLimitL of 1e-7 as having too many decimals, where the check used to throw', async () => {
    const request = await api.http
      .post('/api/v1/purchase-requests')
      .set(auth(clerk))
      .send({ category: 'general', count: 1, budgetCny: '150000.00', engineL: 1e-7, justification: 'an old car' })
      .expect(400);
    expect(request.body.message).toContain('engineL must be a number with at most 2 decimals');
    const standard = await api.http
      .put('/api/v1/purchase-requests/standards')
      .set(auth(admin))
      .send({ category: 'general', priceLimitCny: '180000.00', engineLimitL: 1e-7 })
      .expect(400);
    expect(standard.body.message).toContain('engineLimitL must be a number with at most 2 decimals');
    const fine = await api.http
      .put('/api/v1/purchase-requests/standards')
      .set(auth(admin))
      .send({ category: 'general', priceLimitCny: '180000.00', engineLimitL: 1.85 })
      .expect(200);
    expect(fine.body.engineLimitL).toBe(1.85);
  });
});
