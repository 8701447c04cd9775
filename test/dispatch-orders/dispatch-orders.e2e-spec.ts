import { approvedOrdersByVehicle, approvedOrdersFor } from '#app/dispatch';
import { startTestApi, type TestApi } from '../support/test-app.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('dispatch orders', () => {
  let api: TestApi;
  let centre: string;
  let clerkA: string;
  let clerkB: string;
  let unitA: string;
  let unitB: string;
  let carA: string;
  let carB: string;
  let retiredCar: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  async function addUnit(name: string): Promise<string> {
    const res = await api.db.query('INSERT INTO units (name, vehicle_quota) VALUES ($1, 10) RETURNING id', [name]);
    return res.rows[0].id;
  }
  async function addCar(unitId: string, plate: string, retired = false): Promise<string> {
    const res = await api.db.query(
      `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id, status, decommissioned_on)
       VALUES ($1, $1, 'general', $2, $3, $4) RETURNING id`,
      [plate, unitId, retired ? 'decommissioned' : 'active', retired ? '2026-01-01' : null],
    );
    return res.rows[0].id;
  }
  function order(vehicleId: string, startOffsetH: number, endOffsetH: number, extra: object = {}) {
    const now = Date.now();
    return {
      vehicleId,
      driver: '王师傅',
      purpose: '赴市政府参加会议',
      startTime: iso(now + startOffsetH * HOUR),
      endTime: iso(now + endOffsetH * HOUR),
      destination: '宿迁市人民政府',
      leavesJurisdiction: true,
      ...extra,
    };
  }
  async function request(token: string, body: object) {
    return (await api.http.post('/api/v1/dispatch-orders').set(auth(token)).send(body).expect(201)).body;
  }

  beforeAll(async () => {
    api = await startTestApi();
    unitA = await addUnit('unit A');
    unitB = await addUnit('unit B');
    carA = await addCar(unitA, '苏N A0001');
    carB = await addCar(unitB, '苏N B0001');
    retiredCar = await addCar(unitA, '苏N A0009', true);
    centre = await api.tokenFor(['centre']);
    clerkA = await api.tokenFor(['unit'], unitA);
    clerkB = await api.tokenFor(['unit'], unitB);
  });
  afterAll(() => api.close());

  it('lets a unit clerk request an order for a car of their own unit', async () => {
    const created = await request(clerkA, order(carA, 1, 3));
    expect(created).toMatchObject({
      unitId: unitA,
      vehicleId: carA,
      status: 'requested',
      leavesJurisdiction: true,
      destinationFenceId: null,
      allowedActions: ['approve', 'reject', 'cancel'],
    });
  });

  it("refuses a clerk's request for another unit's car", async () => {
    const res = await api.http
      .post('/api/v1/dispatch-orders')
      .set(auth(clerkA))
      .send(order(carB, 1, 3))
      .expect(403);
    expect(res.body.message).toContain('own unit');
  });

  it.each([
    [
      'an end before the start',
      { startTime: iso(Date.now() + 3 * HOUR), endTime: iso(Date.now() + HOUR) },
      'endTime must be after startTime',
    ],
    [
      'a window longer than 7 days',
      { endTime: iso(Date.now() + 8 * 24 * HOUR) },
      'the time window must not be longer than 7 days',
    ],
    [
      'a window already over',
      { startTime: iso(Date.now() - 5 * HOUR), endTime: iso(Date.now() - HOUR) },
      'endTime is in the past: an order cannot be requested afterwards',
    ],
    [
      'an unknown destination fence',
      { destinationFenceId: '7b0e8e62-4f4a-4c39-9a6a-2f1f9a0a0a0a' },
      'destinationFenceId 7b0e8e62-4f4a-4c39-9a6a-2f1f9a0a0a0a is not a known fence',
    ],
  ])('refuses %s', async (_, patch, message) => {
    const res = await api.http
      .post('/api/v1/dispatch-orders')
      .set(auth(centre))
      .send({ ...order(carA, 1, 3), ...patch })
      .expect(400);
    expect(res.body.message).toContain(message);
  });

  it('refuses a decommissioned car', async () => {
    const res = await api.http
      .post('/api/v1/dispatch-orders')
      .set(auth(clerkA))
      .send(order(retiredCar, 1, 3))
      .expect(400);
    expect(res.body.message).toEqual([`vehicle ${retiredCar} is decommissioned, not active`]);
  });

  it('lets the centre approve; the rules then see the order, and the history holds both steps', async () => {
    const created = await request(clerkA, order(carA, 10, 12));
    await api.http.post(`/api/v1/dispatch-orders/${created.id}/approve`).set(auth(clerkA)).send({}).expect(403);
    const approved = await api.http
      .post(`/api/v1/dispatch-orders/${created.id}/approve`)
      .set(auth(centre))
      .send({})
      .expect(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      decidedBy: expect.stringContaining('centre'),
      allowedActions: ['cancel'],
    });
    const orders = await approvedOrdersFor(
      api.db,
      carA,
      new Date(Date.now() + 11 * HOUR),
      new Date(Date.now() + 11.5 * HOUR),
    );
    expect(orders).toEqual([
      {
        id: created.id,
        vehicleId: carA,
        start: new Date(created.startTime),
        end: new Date(created.endTime),
        leavesJurisdiction: true,
        destinationFenceId: null,
        driver: created.driver,
      },
    ]);
    expect(
      await approvedOrdersFor(api.db, carA, new Date(Date.now() + 13 * HOUR), new Date(Date.now() + 14 * HOUR)),
    ).toEqual([]);
    const byVehicle = await approvedOrdersByVehicle(
      api.db,
      new Date(Date.now() + 11 * HOUR),
      new Date(Date.now() + 11.5 * HOUR),
      [carA, carB],
    );
    expect([...byVehicle.keys()]).toEqual([carA]);
    expect(byVehicle.get(carA)).toEqual(orders);
    const history = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'dispatch_order' AND entity_id = $1 ORDER BY seq`,
      [created.id],
    );
    expect(history.rows.map((r) => r.action)).toEqual(['requested', 'approved']);
  });

  it('needs a note to reject, and a rejected order allows nothing more (409 says so)', async () => {
    const created = await request(clerkA, order(carA, 20, 22));
    const noNote = await api.http
      .post(`/api/v1/dispatch-orders/${created.id}/reject`)
      .set(auth(centre))
      .send({})
      .expect(400);
    expect(noNote.body.message).toEqual(['note is required when rejecting']);
    const rejected = await api.http
      .post(`/api/v1/dispatch-orders/${created.id}/reject`)
      .set(auth(centre))
      .send({ note: '非公务用途' })
      .expect(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: '非公务用途', allowedActions: [] });
    const again = await api.http
      .post(`/api/v1/dispatch-orders/${created.id}/approve`)
      .set(auth(centre))
      .send({})
      .expect(409);
    expect(again.body.message).toBe(`cannot approve order ${created.id}: it is rejected; no further action is allowed`);
    expect(
      await approvedOrdersFor(api.db, carA, new Date(Date.now() + 20 * HOUR), new Date(Date.now() + 22 * HOUR)),
    ).toEqual([]);
  });

  it('ends a running approved order early: the rules see it end when it was ended', async () => {
    const created = await request(clerkA, order(carA, -1, 5));
    await api.http.post(`/api/v1/dispatch-orders/${created.id}/approve`).set(auth(centre)).send({}).expect(200);
    const cancel = await api.http.post(`/api/v1/dispatch-orders/${created.id}/cancel`).set(auth(clerkA)).expect(409);
    expect(cancel.body.message).toBe(
      `cannot cancel order ${created.id}: it is approved and its time window has started; allowed: end`,
    );
    const before = Date.now();
    const ended = await api.http.post(`/api/v1/dispatch-orders/${created.id}/end`).set(auth(clerkA)).expect(200);
    const after = Date.now();
    expect(ended.body.status).toBe('ended');
    const endedAt = Date.parse(ended.body.endedAt);
    expect(endedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(endedAt).toBeLessThanOrEqual(after + 1000);
    const [seen] = await approvedOrdersFor(api.db, carA, new Date(before - 2 * HOUR), new Date(before + 10 * HOUR));
    expect(seen).toMatchObject({ id: created.id, end: new Date(ended.body.endedAt) });
    expect(await approvedOrdersFor(api.db, carA, new Date(after + 2000), new Date(after + 4 * HOUR))).toEqual([]);
    const history = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'dispatch_order' AND entity_id = $1 ORDER BY seq`,
      [created.id],
    );
    expect(history.rows.map((r) => r.action)).toEqual(['requested', 'approved', 'ended']);
    await api.http.post(`/api/v1/dispatch-orders/${created.id}/end`).set(auth(centre)).expect(409);
  });

  it('cancels an approved order before it starts, and the rules no longer see it', async () => {
    const created = await request(clerkA, order(carA, 30, 32));
    await api.http.post(`/api/v1/dispatch-orders/${created.id}/approve`).set(auth(centre)).send({}).expect(200);
    const early = await api.http.post(`/api/v1/dispatch-orders/${created.id}/end`).set(auth(clerkA)).expect(409);
    expect(early.body.message).toContain('allowed: cancel');
    await api.http.post(`/api/v1/dispatch-orders/${created.id}/cancel`).set(auth(clerkB)).expect(404);
    const cancelled = await api.http.post(`/api/v1/dispatch-orders/${created.id}/cancel`).set(auth(clerkA)).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(
      await approvedOrdersFor(api.db, carA, new Date(Date.now() + 30 * HOUR), new Date(Date.now() + 32 * HOUR)),
    ).toEqual([]);
  });

  it('shows unit clerks only their own unit and filters for the centre', async () => {
    const b = await request(clerkB, order(carB, 40, 41));
    const mine = await api.http.get('/api/v1/dispatch-orders').set(auth(clerkB)).expect(200);
    expect(mine.body.map((o: { id: string }) => o.id)).toEqual([b.id]);
    const sneaky = await api.http.get(`/api/v1/dispatch-orders?unitId=${unitA}`).set(auth(clerkB)).expect(200);
    expect(sneaky.body).toEqual([]);
    await api.http.get(`/api/v1/dispatch-orders/${b.id}`).set(auth(clerkA)).expect(404);

    const requested = await api.http.get(`/api/v1/dispatch-orders?status=requested`).set(auth(centre)).expect(200);
    expect(requested.body.every((o: { status: string }) => o.status === 'requested')).toBe(true);
    expect(requested.body.map((o: { id: string }) => o.id)).toContain(b.id);
    const byCar = await api.http.get(`/api/v1/dispatch-orders?vehicleId=${carB}`).set(auth(centre)).expect(200);
    expect(byCar.body.map((o: { id: string }) => o.id)).toEqual([b.id]);
    const window = await api.http
      .get(`/api/v1/dispatch-orders?from=${iso(Date.now() + 40.2 * HOUR)}&to=${iso(Date.now() + 40.5 * HOUR)}`)
      .set(auth(centre))
      .expect(200);
    expect(window.body.map((o: { id: string }) => o.id)).toEqual([b.id]);
    const inspector = await api.tokenFor(['inspector']);
    const all = await api.http.get('/api/v1/dispatch-orders').set(auth(inspector)).expect(200);
    expect(all.body.length).toBeGreaterThan(1);
  });
});
