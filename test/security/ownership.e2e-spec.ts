import { fixedClock } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { addCar, addUnit } from '../payment-gate/gate-fixtures.js';

/**
 * Who owns what: a unit clerk sees and changes only their own unit's cars, dispatch orders and purchase
 * requests; an inspector reads the registry but cannot change it; finance sees the payment gate (and, as the
 * registry contract says, reads the registry) and nothing else.
 */
describe('ownership of records between units and roles', () => {
  let api: TestApi;
  let unitA: string;
  let unitB: string;
  let carA: string;
  let carB: string;
  let clerkA: string;
  let clerkB: string;
  let centre: string;
  let inspector: string;
  let finance: string;
  let orderA: string;
  let orderB: string;
  let requestA: string;
  let requestB: string;

  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  // Far ahead: the order service judges "in the past" by the real time.
  const order = (vehicleId: string) => ({
    vehicleId,
    driver: '王师傅',
    purpose: '赴市政府开会',
    startTime: '2099-11-20T01:00:00Z',
    endTime: '2099-11-20T09:00:00Z',
    destination: '宿迁市人民政府',
  });
  const purchase = {
    category: 'general',
    count: 1,
    budgetCny: '150000.00',
    engineL: 1.5,
    justification: '旧车报废更新',
  };
  const count = async (sql: string) => (await api.db.query(sql)).rows[0].n as number;

  beforeAll(async () => {
    api = await startTestApi({}, { clock: fixedClock('2026-11-16T02:00:00Z') });
    unitA = await addUnit(api.db, '区教育局');
    unitB = await addUnit(api.db, '区卫健委');
    carA = await addCar(api.db, unitA, '苏N·U0001');
    carB = await addCar(api.db, unitB, '苏N·U0002');
    clerkA = await api.tokenFor(['unit'], unitA);
    clerkB = await api.tokenFor(['unit'], unitB);
    centre = await api.tokenFor(['centre']);
    inspector = await api.tokenFor(['inspector']);
    finance = await api.tokenFor(['finance']);
    orderA = (await api.http.post('/api/v1/dispatch-orders').set(as(clerkA)).send(order(carA)).expect(201)).body.id;
    orderB = (await api.http.post('/api/v1/dispatch-orders').set(as(clerkB)).send(order(carB)).expect(201)).body.id;
    requestA = (await api.http.post('/api/v1/purchase-requests').set(as(clerkA)).send(purchase).expect(201)).body.id;
    requestB = (await api.http.post('/api/v1/purchase-requests').set(as(clerkB)).send(purchase).expect(201)).body.id;
  });
  afterAll(() => api.close());

  describe('a unit clerk', () => {
    it('lists only their own unit’s cars, even when asking for another unit', async () => {
      const all = await api.http.get('/api/v1/vehicles').set(as(clerkA)).expect(200);
      expect(all.body.items.map((v: { id: string }) => v.id)).toEqual([carA]);
      const other = await api.http.get(`/api/v1/vehicles?unitId=${unitB}`).set(as(clerkA)).expect(200);
      expect(other.body).toMatchObject({ items: [], total: 0 });
    });

    it('gets 404 for another unit’s car, its detail and its bindings', async () => {
      await api.http.get(`/api/v1/vehicles/${carA}`).set(as(clerkA)).expect(200);
      await api.http.get(`/api/v1/vehicles/${carB}`).set(as(clerkA)).expect(404);
      await api.http.get(`/api/v1/vehicles/${carB}/bindings`).set(as(clerkA)).expect(404);
    });

    it('cannot change the registry, not even their own unit’s car', async () => {
      await api.http
        .post(`/api/v1/vehicles/${carA}/decommission`)
        .set(as(clerkA))
        .send({ date: '2026-11-10' })
        .expect(403);
      await api.http
        .post('/api/v1/vehicles')
        .set(as(clerkA))
        .send({ plateNumber: '苏N·U0009', unitId: unitA, category: 'general' })
        .expect(403);
      expect(await count(`SELECT count(*)::int AS n FROM vehicles WHERE decommissioned_on IS NOT NULL`)).toBe(0);
    });

    it('sees only their own unit’s dispatch orders and gets 404 for another’s', async () => {
      const list = await api.http.get('/api/v1/dispatch-orders').set(as(clerkA)).expect(200);
      expect(list.body.map((o: { id: string }) => o.id)).toEqual([orderA]);
      await api.http.get(`/api/v1/dispatch-orders/${orderB}`).set(as(clerkA)).expect(404);
    });

    it('cannot request an order for another unit’s car nor cancel another unit’s order', async () => {
      await api.http.post('/api/v1/dispatch-orders').set(as(clerkA)).send(order(carB)).expect(403);
      await api.http.post(`/api/v1/dispatch-orders/${orderB}/cancel`).set(as(clerkA)).expect(404);
      expect(await count(`SELECT count(*)::int AS n FROM dispatch_orders WHERE status = 'cancelled'`)).toBe(0);
      expect(await count(`SELECT count(*)::int AS n FROM dispatch_orders`)).toBe(2);
    });

    it('sees only their own unit’s purchase requests and cannot file one for another unit', async () => {
      const list = await api.http.get('/api/v1/purchase-requests').set(as(clerkA)).expect(200);
      const ids = (Array.isArray(list.body) ? list.body : list.body.items).map((r: { id: string }) => r.id);
      expect(ids).toEqual([requestA]);
      await api.http.get(`/api/v1/purchase-requests/${requestB}`).set(as(clerkA)).expect(404);
      await api.http
        .post('/api/v1/purchase-requests')
        .set(as(clerkA))
        .send({ ...purchase, unitId: unitB })
        .expect(403);
      expect(await count(`SELECT count(*)::int AS n FROM purchase_requests WHERE unit_id = '${unitB}'`)).toBe(1);
    });

    it('cannot decide on dispatch orders or purchase requests (the centre does)', async () => {
      await api.http.post(`/api/v1/dispatch-orders/${orderA}/approve`).set(as(clerkA)).send({}).expect(403);
      await api.http.post(`/api/v1/purchase-requests/${requestA}/pre-review`).set(as(clerkA)).send({}).expect(403);
    });
  });

  describe('an inspector', () => {
    it('reads the registry', async () => {
      await api.http.get('/api/v1/vehicles').set(as(inspector)).expect(200);
      await api.http.get(`/api/v1/vehicles/${carB}`).set(as(inspector)).expect(200);
    });

    it.each([
      ['POST', '/api/v1/units', { name: '区新局', vehicleQuota: 2 }],
      ['POST', '/api/v1/vehicles', { plateNumber: '苏N·I0001', unitId: 'UNIT', category: 'general' }],
      ['POST', '/api/v1/vehicles/CAR/decommission', { date: '2026-11-10' }],
      ['POST', '/api/v1/terminals', { terminalId: '13800000099', model: 'X' }],
      ['POST', '/api/v1/vehicles/CAR/terminal', { terminalId: '13800000099', from: '2026-11-01' }],
      ['DELETE', '/api/v1/vehicles/CAR/terminal', { to: '2026-11-20' }],
    ])('cannot %s %s (403, nothing written)', async (method, path, body) => {
      const before = await count(`SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM vehicles)
        + (SELECT count(*) FROM terminals) + (SELECT count(*) FROM terminal_bindings) AS n`);
      const url = path.replace('CAR', carA);
      const payload = JSON.parse(JSON.stringify(body).replace('UNIT', unitA));
      const req = method === 'POST' ? api.http.post(url) : api.http.delete(url);
      await req.set(as(inspector)).send(payload).expect(403);
      const after = await count(`SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM vehicles)
        + (SELECT count(*) FROM terminals) + (SELECT count(*) FROM terminal_bindings) AS n`);
      expect(after).toBe(before);
    });
  });

  describe('finance', () => {
    it('uses the payment gate and lists its decisions', async () => {
      await api.http
        .post('/api/v1/payment-gate/checks')
        .set(as(finance))
        .send({
          plateNumber: '苏N·U0001',
          expenseType: 'toll',
          amount: '20.00',
          invoiceNo: 'F-1',
          expenseDate: '2026-11-15',
        })
        .expect(200);
      await api.http.get('/api/v1/payment-gate/checks').set(as(finance)).expect(200);
    });

    it.each([
      '/api/v1/dispatch-orders',
      '/api/v1/purchase-requests',
      '/api/v1/cases',
      '/api/v1/history',
      '/api/v1/users',
      '/api/v1/audits',
      '/api/v1/violations',
      '/api/v1/fleet/live',
      '/api/v1/rejected-messages',
    ])('gets 403 from GET %s', async (path) => {
      const res = await api.http.get(path).set(as(finance));
      expect(res.status).toBe(403);
    });

    it('cannot change the registry', async () => {
      await api.http.post('/api/v1/units').set(as(finance)).send({ name: '区财政局二', vehicleQuota: 1 }).expect(403);
    });
  });

  it('the centre sees every unit’s cars, orders and requests', async () => {
    const cars = await api.http.get('/api/v1/vehicles').set(as(centre)).expect(200);
    expect(cars.body.items.map((v: { id: string }) => v.id).sort()).toEqual([carA, carB].sort());
    const orders = await api.http.get('/api/v1/dispatch-orders').set(as(centre)).expect(200);
    expect(orders.body).toHaveLength(2);
  });
});
