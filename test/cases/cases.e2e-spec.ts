import { createHash } from 'node:crypto';
import { normalizePlate } from '#app/db';
import { startTestApi, type TestApi } from '../support/test-app.js';

describe('violation cases for inspectors', () => {
  let api: TestApi;
  let inspector: string;
  let inspectorName: string;
  let centre: string;
  let unitA: string;
  let unitB: string;
  let carA: string;
  let carB: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const move = (id: string, body: Record<string, unknown>, token = inspector) =>
    api.http.post(`/api/v1/cases/${id}/transitions`).set(auth(token)).send(body);

  async function addCar(unitId: string, plate: string): Promise<string> {
    const { rows } = await api.db.query(
      `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id) VALUES ($1, $2, 'general', $3)
       RETURNING id`,
      [plate, normalizePlate(plate), unitId],
    );
    return rows[0].id;
  }

  /** A case as the detector opens it, with one violation joined to it. */
  async function openCase(vehicleId: string, rule: string, localDay: string, source = 'violation'): Promise<string> {
    const { rows } = await api.db.query(
      `INSERT INTO cases (vehicle_id, rule, local_day, source, title) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [vehicleId, rule, localDay, source, `${rule} on ${localDay}`],
    );
    await api.db.query(
      `INSERT INTO violations (vehicle_id, terminal_id, rule, start_time, end_time, lat, lon, evidence, case_id)
       VALUES ($1, 'T1', $2, ($3::date + time '21:05')::timestamp AT TIME ZONE 'Asia/Shanghai',
               ($3::date + time '21:40')::timestamp AT TIME ZONE 'Asia/Shanghai', 32.4, 119.4, $4, $5)`,
      [vehicleId, rule, localDay, JSON.stringify({ distanceM: 5300, ordersChecked: [] }), rows[0].id],
    );
    return rows[0].id;
  }

  async function userId(username: string): Promise<string> {
    return (await api.db.query('SELECT id FROM users WHERE username = $1', [username])).rows[0].id;
  }

  beforeAll(async () => {
    api = await startTestApi();
    inspector = await api.tokenFor(['inspector']);
    inspectorName = 'user1_inspector';
    centre = await api.tokenFor(['centre']);
    unitA = (await api.db.query(`INSERT INTO units (name, vehicle_quota) VALUES ('区教育局', 10) RETURNING id`)).rows[0]
      .id;
    unitB = (await api.db.query(`INSERT INTO units (name, vehicle_quota) VALUES ('区水利局', 10) RETURNING id`)).rows[0]
      .id;
    carA = await addCar(unitA, '苏N·C0001');
    carB = await addCar(unitB, '苏N·C0002');
  });
  afterAll(() => api.close());

  it('walks a case from open to closed, recording outcome, responsible person and rectification, each in history', async () => {
    const id = await openCase(carA, 'off_hours', '2026-11-20');
    await move(id, { to: 'investigating' }).expect(200);
    await move(id, { to: 'confirmed', reason: 'no dispatch order covered the trip' }).expect(200);
    const outcome = await move(id, {
      to: 'outcome_recorded',
      outcome: 'disciplinary_sanction',
      sanctionKind: 'demerit',
      responsiblePerson: '王五',
    }).expect(200);
    expect(outcome.body).toMatchObject({
      status: 'outcome_recorded',
      outcome: 'disciplinary_sanction',
      outcomeLabel: '纪律处分',
      sanctionKind: 'demerit',
      sanctionKindLabel: '记过',
      responsiblePerson: '王五',
      allowedNext: ['rectified'],
    });
    await move(id, { to: 'rectified', rectificationNote: 'driver retrained; keys kept by the unit office' }).expect(
      200,
    );
    const closed = await move(id, { to: 'closed' }).expect(200);
    expect(closed.body).toMatchObject({ status: 'closed', allowedNext: [], rectificationNote: expect.any(String) });

    const detail = await api.http.get(`/api/v1/cases/${id}`).set(auth(centre)).expect(200);
    expect(detail.body.vehicle).toEqual({ id: carA, plateNumber: '苏N·C0001', unit: { id: unitA, name: '区教育局' } });
    expect(detail.body.violations).toEqual([
      expect.objectContaining({
        rule: 'off_hours',
        terminalId: 'T1',
        evidence: { distanceM: 5300, ordersChecked: [] },
      }),
    ]);
    expect(
      detail.body.history.map((h: { data: { from: string; status: string } }) => [h.data.from, h.data.status]),
    ).toEqual([
      ['open', 'investigating'],
      ['investigating', 'confirmed'],
      ['confirmed', 'outcome_recorded'],
      ['outcome_recorded', 'rectified'],
      ['rectified', 'closed'],
    ]);
    expect(detail.body.history.every((h: { actor: string }) => h.actor === inspectorName)).toBe(true);
    expect(detail.body.history[1].data.reason).toBe('no dispatch order covered the trip');
    expect(detail.body.history[2].data).toMatchObject({ sanctionKind: 'demerit', responsiblePerson: '王五' });
  });

  it.each([
    ['open', 'confirmed', ['investigating']],
    ['open', 'closed', ['investigating']],
    ['investigating', 'rectified', ['dismissed', 'confirmed']],
  ])('refuses %s → %s with 409 naming the allowed next states', async (from, to, allowed) => {
    const id = await openCase(carA, `rule_${from}_${to}`, '2026-11-19');
    if (from === 'investigating') await move(id, { to: 'investigating' }).expect(200);
    const res = await move(id, { to }).expect(409);
    expect(res.body.allowed).toEqual(allowed);
    for (const next of allowed) expect(res.body.message).toContain(next);
    const { rows } = await api.db.query('SELECT status FROM cases WHERE id = $1', [id]);
    expect(rows[0].status).toBe(from);
  });

  it('dismisses only with a reason, and a dismissed case moves no further', async () => {
    const id = await openCase(carB, 'speeding', '2026-11-18');
    await move(id, { to: 'investigating' }).expect(200);
    const missing = await move(id, { to: 'dismissed' }).expect(400);
    expect(missing.body.message).toEqual(['reason is required to dismiss a case']);
    const dismissed = await move(id, { to: 'dismissed', reason: 'ambulance escort, order filed late' }).expect(200);
    expect(dismissed.body).toMatchObject({ status: 'dismissed', dismissReason: 'ambulance escort, order filed late' });
    const after = await move(id, { to: 'investigating' }).expect(409);
    expect(after.body.message).toMatch(/no transition is allowed/);
  });

  it('needs outcome, responsible person and (for 纪律处分) the sanction kind; leaves the case unchanged otherwise', async () => {
    const id = await openCase(carB, 'forbidden_venue', '2026-11-17');
    await move(id, { to: 'investigating' }).expect(200);
    await move(id, { to: 'confirmed' }).expect(200);
    const none = await move(id, { to: 'outcome_recorded' }).expect(400);
    expect(none.body.message.join(' ')).toMatch(/outcome is required.*responsiblePerson is required/);
    const noKind = await move(id, {
      to: 'outcome_recorded',
      outcome: 'disciplinary_sanction',
      responsiblePerson: '赵六',
    }).expect(400);
    expect(noKind.body.message.join(' ')).toContain('sanctionKind is required');
    await move(id, { to: 'outcome_recorded', outcome: 'reprimand', responsiblePerson: '赵六' }).expect(400);
    const { rows } = await api.db.query('SELECT status, outcome FROM cases WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ status: 'confirmed', outcome: null });

    const talk = await move(id, { to: 'outcome_recorded', outcome: 'admonishment_talk', responsiblePerson: '赵六' });
    expect(talk.status).toBe(200);
    expect(talk.body).toMatchObject({ outcomeLabel: '诫勉谈话', sanctionKind: null });
    const noNote = await move(id, { to: 'rectified' }).expect(400);
    expect(noNote.body.message).toEqual(['rectificationNote is required to mark a case rectified']);
  });

  it('assigns a case to an inspector only, and records who assigned it', async () => {
    const id = await openCase(carA, 'designated_parking', '2026-11-16');
    const colleague = await api.tokenFor(['inspector']);
    const colleagueId = await userId('user3_inspector');
    expect(colleague).toEqual(expect.any(String));
    const res = await api.http
      .put(`/api/v1/cases/${id}/assignee`)
      .set(auth(inspector))
      .send({ inspectorId: colleagueId })
      .expect(200);
    expect(res.body.assignee).toEqual({ id: colleagueId, username: 'user3_inspector' });

    const centreId = await userId('user2_centre');
    const notInspector = await api.http
      .put(`/api/v1/cases/${id}/assignee`)
      .set(auth(inspector))
      .send({ inspectorId: centreId })
      .expect(400);
    expect(notInspector.body.message.join(' ')).toContain('role inspector');
    await api.http
      .put(`/api/v1/cases/${id}/assignee`)
      .set(auth(inspector))
      .send({ inspectorId: '00000000-0000-4000-8000-000000000000' })
      .expect(400);
    await api.http.put(`/api/v1/cases/${id}/assignee`).set(auth(inspector)).send({ inspectorId: 'bob' }).expect(400);

    const history = await api.http
      .get(`/api/v1/history?entityType=case&entityId=${id}`)
      .set(auth(inspector))
      .expect(200);
    expect(history.body.items).toEqual([
      expect.objectContaining({
        action: 'assigned',
        actor: inspectorName,
        data: { from: null, to: colleagueId, inspector: 'user3_inspector' },
      }),
    ]);
  });

  it('keeps attachment metadata and notes on a case, each in its history', async () => {
    const id = await openCase(carA, 'holiday_sealing', '2026-10-02');
    const sha256 = createHash('sha256').update('interview record').digest('hex');
    const added = await api.http
      .post(`/api/v1/cases/${id}/attachments`)
      .set(auth(inspector))
      .send({ fileName: '谈话记录.pdf', mediaType: 'application/pdf', size: 48213, sha256 })
      .expect(201);
    expect(added.body).toMatchObject({
      fileName: '谈话记录.pdf',
      mediaType: 'application/pdf',
      size: 48213,
      sha256,
      uploadedBy: inspectorName,
    });
    const bad = await api.http
      .post(`/api/v1/cases/${id}/attachments`)
      .set(auth(inspector))
      .send({ fileName: '', mediaType: 'pdf', size: -1, sha256: 'abc' })
      .expect(400);
    for (const field of ['fileName', 'mediaType', 'size', 'sha256'])
      expect(bad.body.message.join(' ')).toContain(field);
    const listed = await api.http.get(`/api/v1/cases/${id}/attachments`).set(auth(centre)).expect(200);
    expect(listed.body).toEqual([added.body]);

    await api.http
      .post(`/api/v1/cases/${id}/notes`)
      .set(auth(inspector))
      .send({ text: 'called the driver' })
      .expect(201);
    const detail = await api.http.get(`/api/v1/cases/${id}`).set(auth(inspector)).expect(200);
    expect(detail.body.attachments).toEqual([added.body]);
    expect(detail.body.notes).toEqual([expect.objectContaining({ text: 'called the driver', author: inspectorName })]);
    expect(detail.body.history.map((h: { action: string }) => h.action)).toEqual(['attachment_added', 'note_added']);
    expect(detail.body.history[0].data).toMatchObject({ sha256, size: 48213 });
  });

  it('lists cases filtered by status, vehicle, unit, rule, assignee, source and period, in pages', async () => {
    const inB = await openCase(carB, 'leaving_jurisdiction', '2026-11-10');
    const audit = await openCase(carB, 'audit_issue', '2026-11-09', 'audit');
    const list = (query: string) => api.http.get(`/api/v1/cases?${query}`).set(auth(centre)).expect(200);
    const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((c) => c.id);

    expect(ids(await list(`unitId=${unitB}&rule=leaving_jurisdiction`))).toEqual([inB]);
    expect(ids(await list(`vehicleId=${carB}&source=audit`))).toEqual([audit]);
    expect(ids(await list(`vehicleId=${carB}&from=2026-11-09&to=2026-11-09`))).toEqual([audit]);
    const open = await list('status=open&limit=500');
    expect(open.body.items.every((c: { status: string }) => c.status === 'open')).toBe(true);
    expect(open.body.items.find((c: { id: string }) => c.id === inB)).toMatchObject({
      violationCount: 1,
      vehicle: { id: carB, unit: { name: '区水利局' } },
    });
    const colleagueId = await userId('user3_inspector');
    const assigned = await list(`assignee=${colleagueId}`);
    expect(assigned.body.items.map((c: { rule: string }) => c.rule)).toEqual(['designated_parking']);

    const all = await list('limit=500');
    const page = await list('limit=2&offset=1');
    expect(page.body).toMatchObject({ total: all.body.total, limit: 2, offset: 1 });
    expect(ids(page)).toEqual(ids(all).slice(1, 3));
    await api.http.get('/api/v1/cases?status=pending').set(auth(centre)).expect(400);
    await api.http.get('/api/v1/cases?from=2026-02-30').set(auth(centre)).expect(400);
  });

  it('lets inspectors act, the centre only read, and nobody else in', async () => {
    const id = await openCase(carA, 'speeding', '2026-11-15');
    await api.http.get('/api/v1/cases').expect(401);
    for (const role of ['finance', 'unit', 'member'] as const) {
      const token = await api.tokenFor([role]);
      await api.http.get('/api/v1/cases').set(auth(token)).expect(403);
    }
    await api.http.get(`/api/v1/cases/${id}`).set(auth(centre)).expect(200);
    await move(id, { to: 'investigating' }, centre).expect(403);
    await api.http.post(`/api/v1/cases/${id}/notes`).set(auth(centre)).send({ text: 'x' }).expect(403);
    await api.http.get('/api/v1/cases/00000000-0000-4000-8000-000000000000').set(auth(centre)).expect(404);
    await move('00000000-0000-4000-8000-000000000000', { to: 'investigating' }).expect(404);
    await api.http.get('/api/v1/cases/not-a-uuid').set(auth(centre)).expect(400);
  });
});
