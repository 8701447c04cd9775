import { startTestApi, type TestApi } from '../support/test-app.js';

describe('fleet registry: units, vehicles, terminals', () => {
  let api: TestApi;
  let centre: string;
  let unitId: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApi();
    centre = await api.tokenFor(['centre']);
    const unit = await api.http
      .post('/api/v1/units')
      .set(auth(centre))
      .send({ name: '区财政局', vehicleQuota: 6 })
      .expect(201);
    unitId = unit.body.id;
  });
  afterAll(() => api.close());

  describe('units', () => {
    it('creates a unit and answers it with its quota and an empty count', async () => {
      const res = await api.http.get(`/api/v1/units/${unitId}`).set(auth(centre)).expect(200);
      expect(res.body).toEqual({
        id: unitId,
        name: '区财政局',
        vehicleQuota: 6,
        vehicleCount: 0,
        createdAt: expect.any(String),
      });
    });

    it('lists units with the number of cars in service next to the quota', async () => {
      const other = await api.http
        .post('/api/v1/units')
        .set(auth(centre))
        .send({ name: '区审计局', vehicleQuota: 2 })
        .expect(201);
      for (const plateNumber of ['苏N·U0001', '苏N·U0002']) {
        await api.http
          .post('/api/v1/vehicles')
          .set(auth(centre))
          .send({ plateNumber, unitId: other.body.id, category: 'general' })
          .expect(201);
      }
      const res = await api.http.get('/api/v1/units').set(auth(centre)).expect(200);
      const audit = res.body.find((u: { id: string }) => u.id === other.body.id);
      expect(audit).toMatchObject({ name: '区审计局', vehicleQuota: 2, vehicleCount: 2 });
    });

    it('refuses a second unit of the same name with 409', async () => {
      const res = await api.http
        .post('/api/v1/units')
        .set(auth(centre))
        .send({ name: '区财政局', vehicleQuota: 1 })
        .expect(409);
      expect(res.body.message).toContain('区财政局');
    });

    it('names each bad field of a unit', async () => {
      const res = await api.http
        .post('/api/v1/units')
        .set(auth(centre))
        .send({ name: '', vehicleQuota: -1, colour: 'red' })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const text = res.body.message.join(' | ');
      expect(text).toMatch(/name must be 1 to 100/);
      expect(text).toMatch(/vehicleQuota must be from 0/);
      expect(text).toMatch(/colour should not exist/);
    });

    it('answers 404 for an unknown unit and 400 naming id for a malformed one', async () => {
      await api.http.get('/api/v1/units/00000000-0000-4000-8000-000000000000').set(auth(centre)).expect(404);
      const res = await api.http.get('/api/v1/units/abc').set(auth(centre)).expect(400);
      expect(res.body.message).toEqual(['id must be a UUID']);
    });
  });

  describe('roles', () => {
    it('answers 401 without credentials on every registry route', async () => {
      await api.http.get('/api/v1/units').expect(401);
      await api.http.get('/api/v1/vehicles').expect(401);
      await api.http.get('/api/v1/terminals').expect(401);
      await api.http.post('/api/v1/vehicles').send({}).expect(401);
    });

    it.each([['inspector'], ['finance']] as const)('lets %s read but not write (403)', async (role) => {
      const token = await api.tokenFor([role]);
      await api.http.get('/api/v1/units').set(auth(token)).expect(200);
      await api.http.get('/api/v1/vehicles').set(auth(token)).expect(200);
      await api.http.get('/api/v1/terminals').set(auth(token)).expect(200);
      await api.http.post('/api/v1/units').set(auth(token)).send({ name: 'x', vehicleQuota: 1 }).expect(403);
      await api.http.post('/api/v1/terminals').set(auth(token)).send({ terminalId: 'T-role' }).expect(403);
      await api.http
        .post('/api/v1/vehicles')
        .set(auth(token))
        .send({ plateNumber: '苏N·R0001', unitId, category: 'general' })
        .expect(403);
      const someCar = '22222222-2222-4222-8222-222222222222';
      await api.http
        .post(`/api/v1/vehicles/${someCar}/terminal`)
        .set(auth(token))
        .send({ terminalId: 'T-x', from: '2026-01-01' })
        .expect(403);
      await api.http
        .delete(`/api/v1/vehicles/${someCar}/terminal`)
        .set(auth(token))
        .send({ to: '2026-01-01' })
        .expect(403);
      await api.http
        .post(`/api/v1/vehicles/${someCar}/decommission`)
        .set(auth(token))
        .send({ date: '2026-01-01' })
        .expect(403);
      await api.http.patch('/api/v1/terminals/T-x').set(auth(token)).send({ active: false }).expect(403);
    });

    it('refuses member even reading (403)', async () => {
      const token = await api.tokenFor(['member']);
      await api.http.get('/api/v1/vehicles').set(auth(token)).expect(403);
      await api.http.get('/api/v1/units').set(auth(token)).expect(403);
    });

    it("lets a unit clerk read only their own unit's cars, and not the units (403)", async () => {
      const token = await api.tokenFor(['unit'], unitId);
      const cars = await api.http.get('/api/v1/vehicles').set(auth(token)).expect(200);
      expect(cars.body.items.every((v: { unitId: string }) => v.unitId === unitId)).toBe(true);
      await api.http.get('/api/v1/units').set(auth(token)).expect(403);
    });

    it('lets admin write', async () => {
      const admin = await api.tokenFor(['admin']);
      await api.http.post('/api/v1/units').set(auth(admin)).send({ name: '区统计局', vehicleQuota: 3 }).expect(201);
    });
  });

  describe('vehicles', () => {
    it('registers a car, storing the plate as given and normalised', async () => {
      const res = await api.http
        .post('/api/v1/vehicles')
        .set(auth(centre))
        .send({ plateNumber: '苏N·A1234', unitId, category: 'general', commissionedOn: '2024-03-01' })
        .expect(201);
      expect(res.body).toMatchObject({
        id: expect.any(String),
        plateNumber: '苏N·A1234',
        plateNormalized: '苏NA1234',
        unitId,
        unitName: '区财政局',
        category: 'general',
        status: 'active',
        commissionedOn: '2024-03-01',
        decommissionedOn: null,
      });
    });

    it.each(['苏n a1234', '苏N-A1234', '苏NA1234'])(
      'refuses %j as the same plate with a 409 naming it',
      async (plate) => {
        const res = await api.http
          .post('/api/v1/vehicles')
          .set(auth(centre))
          .send({ plateNumber: plate, unitId, category: 'emergency' })
          .expect(409);
        expect(res.body.message).toBe('plateNumber 苏NA1234 is already registered');
      },
    );

    it('names each bad field of a car', async () => {
      const res = await api.http
        .post('/api/v1/vehicles')
        .set(auth(centre))
        .send({ plateNumber: 'ABC', unitId: 'nope', category: 'limousine', commissionedOn: '2026-02-30' })
        .expect(400);
      const text = res.body.message.join(' | ');
      expect(text).toMatch(/plateNumber must be a Chinese plate/);
      expect(text).toMatch(/unitId must be a UUID/);
      expect(text).toMatch(/category must be one of: confidential_comms, emergency, law_enforcement/);
      expect(text).toMatch(/commissionedOn must be a date as YYYY-MM-DD/);
    });

    it('refuses an unknown unit with a 400 naming unitId', async () => {
      const missing = '11111111-1111-4111-8111-111111111111';
      const res = await api.http
        .post('/api/v1/vehicles')
        .set(auth(centre))
        .send({ plateNumber: '苏N·B2345', unitId: missing, category: 'general' })
        .expect(400);
      expect(res.body.message).toEqual([`unitId ${missing} is not a known unit`]);
    });

    it('lists cars filtered by unit, category and status, a page at a time with the total', async () => {
      const police = await api.http
        .post('/api/v1/units')
        .set(auth(centre))
        .send({ name: '区公安分局', vehicleQuota: 10 })
        .expect(201);
      const plates = ['苏N·P0001', '苏N·P0002', '苏N·P0003', '苏N·P0004', '苏N·P0005'];
      for (const [i, plateNumber] of plates.entries()) {
        await api.http
          .post('/api/v1/vehicles')
          .set(auth(centre))
          .send({
            plateNumber,
            unitId: police.body.id,
            category: i < 4 ? 'law_enforcement' : 'general',
            commissionedOn: '2024-01-01',
          })
          .expect(201);
      }
      const page1 = await api.http
        .get('/api/v1/vehicles')
        .query({ unitId: police.body.id, category: 'law_enforcement', pageSize: 3 })
        .set(auth(centre))
        .expect(200);
      expect(page1.body).toMatchObject({ total: 4, page: 1, pageSize: 3 });
      expect(page1.body.items.map((v: { plateNormalized: string }) => v.plateNormalized)).toEqual([
        '苏NP0001',
        '苏NP0002',
        '苏NP0003',
      ]);
      const page2 = await api.http
        .get('/api/v1/vehicles')
        .query({ unit: police.body.id, category: 'law_enforcement', pageSize: 3, page: 2 })
        .set(auth(centre))
        .expect(200);
      expect(page2.body.items.map((v: { plateNormalized: string }) => v.plateNormalized)).toEqual(['苏NP0004']);
      const byPlate = await api.http.get('/api/v1/vehicles').query({ plate: 'p 0005' }).set(auth(centre)).expect(200);
      expect(byPlate.body).toMatchObject({ total: 1, items: [{ plateNumber: '苏N·P0005', category: 'general' }] });
      await api.http
        .post(`/api/v1/vehicles/${page2.body.items[0].id}/decommission`)
        .set(auth(centre))
        .send({ date: '2026-11-01' })
        .expect(200);
      const retired = await api.http
        .get('/api/v1/vehicles')
        .query({ unitId: police.body.id, status: 'decommissioned' })
        .set(auth(centre))
        .expect(200);
      expect(retired.body.total).toBe(1);
      expect(retired.body.items[0]).toMatchObject({ plateNormalized: '苏NP0004', decommissionedOn: '2026-11-01' });
    });

    it('names each bad filter of the list', async () => {
      const res = await api.http
        .get('/api/v1/vehicles')
        .query({ status: 'parked', page: 0, pageSize: 1000, category: 'x' })
        .set(auth(centre))
        .expect(400);
      const text = res.body.message.join(' | ');
      expect(text).toMatch(/status must be one of: active, decommissioned/);
      expect(text).toMatch(/page must be at least 1/);
      expect(text).toMatch(/pageSize must be from 1 to 500/);
      expect(text).toMatch(/category must be one of/);
    });

    it('shows one car with its terminal, last position time and online state from the live table', async () => {
      const car = await api.http
        .post('/api/v1/vehicles')
        .set(auth(centre))
        .send({ plateNumber: '苏N·L0001', unitId, category: 'general' })
        .expect(201);
      const bare = await api.http.get(`/api/v1/vehicles/${car.body.id}`).set(auth(centre)).expect(200);
      expect(bare.body).toMatchObject({ currentTerminal: null, lastPositionAt: null, online: false });

      await api.http.post('/api/v1/terminals').set(auth(centre)).send({ terminalId: 'T-live' }).expect(201);
      await api.http
        .post(`/api/v1/vehicles/${car.body.id}/terminal`)
        .set(auth(centre))
        .send({ terminalId: 'T-live', from: '2026-01-01' })
        .expect(201);
      await api.db.query(
        `INSERT INTO vehicle_live (terminal_id, vehicle_id, fix_time, received_at, lat, lon, online)
         VALUES ('T-live', $1, '2026-11-20T02:00:00Z', now() - interval '30 seconds', 33.95, 118.35, true)`,
        [car.body.id],
      );
      const live = await api.http.get(`/api/v1/vehicles/${car.body.id}`).set(auth(centre)).expect(200);
      expect(live.body).toMatchObject({
        plateNumber: '苏N·L0001',
        currentTerminal: { terminalId: 'T-live', since: '2026-01-01' },
        lastPositionAt: '2026-11-20T02:00:00.000Z',
        online: true,
      });

      // Online in the table but silent longer than OFFLINE_AFTER_SECONDS (default 300 s): shown offline.
      await api.db.query(
        `UPDATE vehicle_live SET received_at = now() - interval '10 minutes' WHERE terminal_id = 'T-live'`,
      );
      const silent = await api.http.get(`/api/v1/vehicles/${car.body.id}`).set(auth(centre)).expect(200);
      expect(silent.body.online).toBe(false);
      expect(silent.body.lastPositionAt).toBe('2026-11-20T02:00:00.000Z');
    });

    it('answers 404 for an unknown car', async () => {
      await api.http.get('/api/v1/vehicles/00000000-0000-4000-8000-000000000000').set(auth(centre)).expect(404);
    });
  });

  describe('terminals', () => {
    it('shows the secret once, keeps only its hash, and lists the terminal without it', async () => {
      const res = await api.http
        .post('/api/v1/terminals')
        .set(auth(centre))
        .send({ terminalId: '13800000001', model: 'BD-T300' })
        .expect(201);
      expect(res.body).toMatchObject({ terminalId: '13800000001', model: 'BD-T300', active: true });
      const secret: string = res.body.secret;
      expect(secret.length).toBeGreaterThanOrEqual(20);
      const { rows } = await api.db.query('SELECT secret_hash FROM terminals WHERE terminal_id = $1', ['13800000001']);
      expect(rows[0].secret_hash).not.toContain(secret);
      const list = await api.http.get('/api/v1/terminals').set(auth(centre)).expect(200);
      expect(JSON.stringify(list.body)).not.toContain(secret);
      expect(list.body.find((t: { terminalId: string }) => t.terminalId === '13800000001')).toMatchObject({
        model: 'BD-T300',
        active: true,
        vehicleId: null,
      });
    });

    it('refuses a duplicate terminal id with 409 and a malformed one with 400 naming terminalId', async () => {
      await api.http.post('/api/v1/terminals').set(auth(centre)).send({ terminalId: 'T-dup' }).expect(201);
      const dup = await api.http.post('/api/v1/terminals').set(auth(centre)).send({ terminalId: 'T-dup' }).expect(409);
      expect(dup.body.message).toContain('T-dup');
      const bad = await api.http
        .post('/api/v1/terminals')
        .set(auth(centre))
        .send({ terminalId: 'has space/and#', model: 7 })
        .expect(400);
      const text = bad.body.message.join(' | ');
      expect(text).toMatch(/terminalId must be 1 to 32 letters/);
      expect(text).toMatch(/model must be a string/);
      await api.http
        .post('/api/v1/terminals')
        .set(auth(centre))
        .send({ terminalId: 'x'.repeat(33) })
        .expect(400);
    });

    it('switches a terminal off and on with PATCH', async () => {
      await api.http.post('/api/v1/terminals').set(auth(centre)).send({ terminalId: 'T-switch' }).expect(201);
      const off = await api.http
        .patch('/api/v1/terminals/T-switch')
        .set(auth(centre))
        .send({ active: false })
        .expect(200);
      expect(off.body.active).toBe(false);
      const on = await api.http
        .patch('/api/v1/terminals/T-switch')
        .set(auth(centre))
        .send({ active: true })
        .expect(200);
      expect(on.body.active).toBe(true);
      const bad = await api.http
        .patch('/api/v1/terminals/T-switch')
        .set(auth(centre))
        .send({ active: 'yes' })
        .expect(400);
      expect(bad.body.message).toEqual(['active must be true or false']);
      await api.http.patch('/api/v1/terminals/T-none').set(auth(centre)).send({ active: false }).expect(404);
      const badId = await api.http.get('/api/v1/terminals/a%20b').set(auth(centre)).expect(400);
      expect(badId.body.message).toEqual(['id must be 1 to 32 letters, digits, _ or -']);
    });
  });

  it('documents the registry in the OpenAPI document at /api/docs', async () => {
    const res = await api.http.get('/api/docs/openapi.json').expect(200);
    for (const path of [
      '/api/v1/units',
      '/api/v1/units/{id}',
      '/api/v1/vehicles',
      '/api/v1/vehicles/{id}',
      '/api/v1/vehicles/{id}/decommission',
      '/api/v1/vehicles/{id}/terminal',
      '/api/v1/vehicles/{id}/bindings',
      '/api/v1/terminals',
      '/api/v1/terminals/{id}',
    ]) {
      expect(res.body.paths).toHaveProperty([path]);
    }
    expect(res.body.components.schemas.CreateVehicleDto.properties.category.enum).toEqual([
      'confidential_comms',
      'emergency',
      'law_enforcement',
      'special_technical',
      'general',
    ]);
    await api.http.get('/api/docs').expect(200);
  });
});
