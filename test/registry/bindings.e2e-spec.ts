import { bindingOn, boundTerminalOn } from '#app/registry';
import { startTestApi, type TestApi } from '../support/test-app.js';

describe('terminal bindings', () => {
  let api: TestApi;
  let centre: string;
  let unitId: string;
  let plates = 0;
  const auth = () => ({ Authorization: `Bearer ${centre}` });

  async function car(): Promise<string> {
    const plateNumber = `苏N·K${String(++plates).padStart(4, '0')}`;
    const res = await api.http
      .post('/api/v1/vehicles')
      .set(auth())
      .send({ plateNumber, unitId, category: 'general', commissionedOn: '2025-06-01' })
      .expect(201);
    return res.body.id;
  }

  async function terminal(terminalId: string): Promise<string> {
    await api.http.post('/api/v1/terminals').set(auth()).send({ terminalId, model: 'BD-T300' }).expect(201);
    return terminalId;
  }

  const bind = (vehicleId: string, terminalId: string, from: string) =>
    api.http.post(`/api/v1/vehicles/${vehicleId}/terminal`).set(auth()).send({ terminalId, from });
  const unbind = (vehicleId: string, to: string) =>
    api.http.delete(`/api/v1/vehicles/${vehicleId}/terminal`).set(auth()).send({ to });

  beforeAll(async () => {
    api = await startTestApi();
    centre = await api.tokenFor(['centre']);
    const unit = await api.http.post('/api/v1/units').set(auth()).send({ name: '区教育局', vehicleQuota: 50 });
    unitId = unit.body.id;
  });
  afterAll(() => api.close());

  it('binds a terminal to a car and shows it as current', async () => {
    const vehicleId = await car();
    const t = await terminal('B-1');
    const res = await bind(vehicleId, t, '2026-01-01').expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      vehicleId,
      terminalId: 'B-1',
      validFrom: '2026-01-01',
      validTo: null,
    });
    const detail = await api.http.get(`/api/v1/vehicles/${vehicleId}`).set(auth()).expect(200);
    expect(detail.body.currentTerminal).toEqual({ terminalId: 'B-1', since: '2026-01-01' });
    const terminals = await api.http.get('/api/v1/terminals/B-1').set(auth()).expect(200);
    expect(terminals.body).toMatchObject({ vehicleId, boundSince: '2026-01-01' });
  });

  it('refuses a second terminal for a bound car and a bound terminal for a second car (409)', async () => {
    const first = await car();
    const second = await car();
    const t1 = await terminal('B-2a');
    const t2 = await terminal('B-2b');
    await bind(first, t1, '2026-02-01').expect(201);
    const carBusy = await bind(first, t2, '2026-03-01').expect(409);
    expect(carBusy.body.message).toMatch(/already has terminal B-2a bound since 2026-02-01; unbind it first/);
    const terminalBusy = await bind(second, t1, '2026-03-01').expect(409);
    expect(terminalBusy.body.message).toMatch(/terminal B-2a is bound to vehicle 苏N·K\d{4} since 2026-02-01/);
  });

  it('keeps the history and lets a car take a new terminal only after the old binding ended', async () => {
    const vehicleId = await car();
    const old = await terminal('B-3a');
    const fresh = await terminal('B-3b');
    await bind(vehicleId, old, '2026-01-01').expect(201);
    const closed = await unbind(vehicleId, '2026-06-30').expect(200);
    expect(closed.body).toMatchObject({ terminalId: 'B-3a', validFrom: '2026-01-01', validTo: '2026-06-30' });

    const overlap = await bind(vehicleId, fresh, '2026-06-30').expect(400);
    expect(overlap.body.message).toEqual([
      "from must be after 2026-06-30, the last day of this car's previous binding",
    ]);
    await bind(vehicleId, fresh, '2026-07-01').expect(201);

    const history = await api.http.get(`/api/v1/vehicles/${vehicleId}/bindings`).set(auth()).expect(200);
    expect(
      history.body.map((b: { terminalId: string; validFrom: string; validTo: string | null }) => [
        b.terminalId,
        b.validFrom,
        b.validTo,
      ]),
    ).toEqual([
      ['B-3a', '2026-01-01', '2026-06-30'],
      ['B-3b', '2026-07-01', null],
    ]);
  });

  it('moves a terminal to another car only after its previous binding ended', async () => {
    const from = await car();
    const to = await car();
    const t = await terminal('B-4');
    await bind(from, t, '2026-01-01').expect(201);
    await unbind(from, '2026-03-31').expect(200);
    const early = await bind(to, t, '2026-03-15').expect(400);
    expect(early.body.message).toEqual([
      "from must be after 2026-03-31, the last day of this terminal's previous binding",
    ]);
    await bind(to, t, '2026-04-01').expect(201);
  });

  it('answers which terminal a car had on a given day', async () => {
    const vehicleId = await car();
    const a = await terminal('B-5a');
    const b = await terminal('B-5b');
    await bind(vehicleId, a, '2026-01-10').expect(201);
    await unbind(vehicleId, '2026-02-28').expect(200);
    await bind(vehicleId, b, '2026-03-10').expect(201);
    expect(await boundTerminalOn(api.db, vehicleId, '2026-01-09')).toBeNull();
    expect(await boundTerminalOn(api.db, vehicleId, '2026-01-10')).toBe('B-5a');
    expect(await boundTerminalOn(api.db, vehicleId, '2026-02-28')).toBe('B-5a');
    expect(await boundTerminalOn(api.db, vehicleId, '2026-03-01')).toBeNull();
    expect(await boundTerminalOn(api.db, vehicleId, '2026-03-10')).toBe('B-5b');
    expect(await bindingOn(api.db, vehicleId, '2030-01-01')).toMatchObject({
      terminalId: 'B-5b',
      validFrom: '2026-03-10',
      validTo: null,
    });
    await expect(bindingOn(api.db, vehicleId, '1 March')).rejects.toThrow(/YYYY-MM-DD/);
    const onDay = await api.http
      .get(`/api/v1/vehicles/${vehicleId}/bindings`)
      .query({ on: '2026-02-01' })
      .set(auth())
      .expect(200);
    expect(onDay.body).toEqual([expect.objectContaining({ terminalId: 'B-5a', validTo: '2026-02-28' })]);
    const gap = await api.http
      .get(`/api/v1/vehicles/${vehicleId}/bindings`)
      .query({ on: '2026-03-05' })
      .set(auth())
      .expect(200);
    expect(gap.body).toEqual([]);
    const bad = await api.http
      .get(`/api/v1/vehicles/${vehicleId}/bindings`)
      .query({ on: 'yesterday' })
      .set(auth())
      .expect(400);
    expect(bad.body.message).toEqual(['on must be a date as YYYY-MM-DD, got "yesterday"']);
  });

  it('refuses an unbind date before the binding began and an unbind without a binding', async () => {
    const vehicleId = await car();
    const t = await terminal('B-6');
    await bind(vehicleId, t, '2026-05-01').expect(201);
    const early = await unbind(vehicleId, '2026-04-30').expect(400);
    expect(early.body.message).toEqual(['to must not be before the binding began (2026-05-01)']);
    await unbind(vehicleId, '2026-05-01').expect(200);
    const none = await unbind(vehicleId, '2026-05-02').expect(409);
    expect(none.body.message).toMatch(/has no bound terminal/);
  });

  it('refuses an inactive terminal (409) and an unknown one (400 naming terminalId)', async () => {
    const vehicleId = await car();
    const t = await terminal('B-7');
    await api.http.patch('/api/v1/terminals/B-7').set(auth()).send({ active: false }).expect(200);
    const inactive = await bind(vehicleId, t, '2026-01-01').expect(409);
    expect(inactive.body.message).toBe('terminal B-7 is inactive and cannot be bound');
    const unknown = await bind(vehicleId, 'B-nowhere', '2026-01-01').expect(400);
    expect(unknown.body.message).toEqual(['terminalId B-nowhere is not a known terminal']);
  });

  it('names each bad field of a bind and an unbind', async () => {
    const vehicleId = await car();
    const res = await api.http
      .post(`/api/v1/vehicles/${vehicleId}/terminal`)
      .set(auth())
      .send({ terminalId: 'bad id!', from: '2026-13-01' })
      .expect(400);
    const text = res.body.message.join(' | ');
    expect(text).toMatch(/terminalId must be 1 to 32 letters/);
    expect(text).toMatch(/from must be a date as YYYY-MM-DD/);
    const un = await api.http.delete(`/api/v1/vehicles/${vehicleId}/terminal`).set(auth()).send({}).expect(400);
    expect(un.body.message.join(' ')).toMatch(/to must be a date as YYYY-MM-DD/);
  });

  it('decommissioning closes the open binding on that day, and a decommissioned car cannot be bound', async () => {
    const vehicleId = await car();
    const t = await terminal('B-8');
    await bind(vehicleId, t, '2026-01-01').expect(201);
    const tooEarly = await api.http
      .post(`/api/v1/vehicles/${vehicleId}/decommission`)
      .set(auth())
      .send({ date: '2025-12-31' })
      .expect(400);
    expect(tooEarly.body.message).toEqual(['date must not be before the current terminal binding began (2026-01-01)']);
    const res = await api.http
      .post(`/api/v1/vehicles/${vehicleId}/decommission`)
      .set(auth())
      .send({ date: '2026-11-01' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'decommissioned', decommissionedOn: '2026-11-01' });
    const history = await api.http.get(`/api/v1/vehicles/${vehicleId}/bindings`).set(auth()).expect(200);
    expect(history.body).toEqual([expect.objectContaining({ terminalId: 'B-8', validTo: '2026-11-01' })]);
    expect(await boundTerminalOn(api.db, vehicleId, '2026-11-01')).toBe('B-8');
    expect(await boundTerminalOn(api.db, vehicleId, '2026-11-02')).toBeNull();

    const other = await terminal('B-8b');
    const refused = await bind(vehicleId, other, '2026-11-10').expect(409);
    expect(refused.body.message).toMatch(/decommissioned on 2026-11-01 and cannot be bound/);
    const again = await api.http
      .post(`/api/v1/vehicles/${vehicleId}/decommission`)
      .set(auth())
      .send({ date: '2026-11-05' })
      .expect(409);
    expect(again.body.message).toMatch(/already decommissioned on 2026-11-01/);
    // The freed terminal can go into another car from the next day.
    await bind(await car(), t, '2026-11-02').expect(201);
  });

  it('lets exactly one of many concurrent binds of one car win', async () => {
    const vehicleId = await car();
    const ids = await Promise.all(['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6'].map(terminal));
    const results = await Promise.all(ids.map((t) => bind(vehicleId, t, '2026-01-01')));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const { rows } = await api.db.query('SELECT count(*)::int AS n FROM terminal_bindings WHERE vehicle_id = $1', [
      vehicleId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('lets exactly one of many concurrent binds of one terminal win', async () => {
    const cars = await Promise.all(Array.from({ length: 6 }, () => car()));
    const t = await terminal('C-shared');
    const results = await Promise.all(cars.map((vehicleId) => bind(vehicleId, t, '2026-01-01')));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const { rows } = await api.db.query('SELECT count(*)::int AS n FROM terminal_bindings WHERE terminal_id = $1', [t]);
    expect(rows[0].n).toBe(1);
  });

  it('records binding changes in the hash-chained history', async () => {
    const vehicleId = await car();
    const t = await terminal('B-9');
    await bind(vehicleId, t, '2026-01-01').expect(201);
    await unbind(vehicleId, '2026-02-01').expect(200);
    const { rows } = await api.db.query(
      `SELECT action, data FROM history WHERE entity_type = 'vehicle' AND entity_id = $1 ORDER BY seq`,
      [vehicleId],
    );
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['registered', 'terminal-bound', 'terminal-unbound']);
    expect(rows[2].data).toEqual({ terminalId: 'B-9', from: '2026-01-01', to: '2026-02-01' });
  });
});
