import { normalizePlate } from '#app/db';
import { fixedClock } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';

describe('tamper-evident history', () => {
  let api: TestApi;
  let inspector: string;
  let caseId: string;

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const verify = () => api.http.get('/api/v1/history/verify').set(auth(inspector)).expect(200);
  // The first entry is the admin account the service creates at its first start; this test's changes follow.
  const seqs = async (): Promise<number[]> =>
    (await api.db.query(`SELECT seq FROM history WHERE entity_type <> 'user' ORDER BY seq`)).rows.map(
      (r: { seq: string }) => Number(r.seq),
    );

  beforeAll(async () => {
    api = await startTestApi({}, { clock: fixedClock('2026-11-26T02:00:00Z') });
    inspector = await api.tokenFor(['inspector']);
    const finance = await api.tokenFor(['finance']);
    const unit = (await api.db.query(`INSERT INTO units (name, vehicle_quota) VALUES ('区审计局', 5) RETURNING id`))
      .rows[0].id;
    const car = (
      await api.db.query(
        `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id) VALUES ($1, $2, 'general', $3)
         RETURNING id`,
        ['苏N·D0001', normalizePlate('苏N·D0001'), unit],
      )
    ).rows[0].id;
    caseId = (
      await api.db.query(
        `INSERT INTO cases (vehicle_id, rule, local_day, title) VALUES ($1, 'off_hours', '2026-11-20', 'late trip')
         RETURNING id`,
        [car],
      )
    ).rows[0].id;

    // Changes of two kinds, through the API: case transitions and payment decisions.
    await api.http.post(`/api/v1/cases/${caseId}/transitions`).set(auth(inspector)).send({ to: 'investigating' });
    await api.http.post(`/api/v1/cases/${caseId}/notes`).set(auth(inspector)).send({ text: '司机称为加班' });
    await api.http.post(`/api/v1/cases/${caseId}/transitions`).set(auth(inspector)).send({ to: 'confirmed' });
    for (const invoiceNo of ['INV-H-1', 'INV-H-2']) {
      await api.http
        .post('/api/v1/payment-gate/checks')
        .set(auth(finance))
        .send({ plateNumber: '苏N·D0001', expenseType: 'toll', amount: '25.00', invoiceNo, expenseDate: '2026-11-20' })
        .expect(200);
    }
  });
  afterAll(() => api.close());

  it('chains every change and verifies the untouched chain', async () => {
    const rows = (await api.db.query('SELECT seq, entity_type, prev_hash, hash FROM history ORDER BY seq')).rows;
    expect(rows.map((r: { entity_type: string }) => r.entity_type)).toEqual([
      'user',
      'case',
      'case',
      'case',
      'payment_check',
      'payment_check',
    ]);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);
    const res = await verify();
    expect(res.body).toEqual({ ok: true, entries: 6, lastHash: rows[5].hash, evidenceMismatches: [] });
  });

  it('lists entries, by record or all, oldest first, in pages', async () => {
    const ofCase = await api.http
      .get(`/api/v1/history?entityType=case&entityId=${caseId}`)
      .set(auth(inspector))
      .expect(200);
    expect(ofCase.body.items.map((e: { action: string }) => e.action)).toEqual([
      'transition',
      'note_added',
      'transition',
    ]);
    expect(ofCase.body.items[0]).toMatchObject({ entityType: 'case', entityId: caseId, actor: 'user1_inspector' });
    const decisions = await api.http.get('/api/v1/history?entityType=payment_check').set(auth(inspector)).expect(200);
    expect(decisions.body.items).toHaveLength(2);
    expect(decisions.body.items[0]).toMatchObject({ action: 'decided', actor: 'user2_finance' });
    const first = await api.http.get('/api/v1/history?limit=2').set(auth(inspector)).expect(200);
    const next = await api.http
      .get(`/api/v1/history?limit=2&afterSeq=${first.body.nextAfterSeq}`)
      .set(auth(inspector))
      .expect(200);
    const all = (await api.db.query('SELECT seq FROM history ORDER BY seq')).rows.map((r: { seq: string }) =>
      Number(r.seq),
    );
    expect([...first.body.items, ...next.body.items].map((e: { seq: number }) => e.seq)).toEqual(all.slice(0, 4));
  });

  it('reports the edited entry when someone changes a row in the database, and holds again when undone', async () => {
    const [, second] = await seqs();
    const original = (await api.db.query('SELECT data FROM history WHERE seq = $1', [second])).rows[0].data;
    await api.db.query(`UPDATE history SET data = jsonb_set(data, '{text}', '"无异常"') WHERE seq = $1`, [second]);
    const res = await verify();
    expect(res.body).toEqual({
      ok: false,
      entries: 2,
      brokenAt: { seq: second, reason: 'hash-mismatch' },
      evidenceMismatches: [],
    });

    await api.db.query('UPDATE history SET data = $2 WHERE seq = $1', [second, JSON.stringify(original)]);
    expect((await verify()).body.ok).toBe(true);

    // Changing who did it breaks the chain just the same.
    await api.db.query(`UPDATE history SET actor = 'someone-else' WHERE seq = $1`, [second]);
    expect((await verify()).body.brokenAt).toEqual({ seq: second, reason: 'hash-mismatch' });
    await api.db.query(`UPDATE history SET actor = 'user1_inspector' WHERE seq = $1`, [second]);
    expect((await verify()).body.ok).toBe(true);
  });

  it('reports the entry after a deleted one as a broken link', async () => {
    const [, , third, fourth] = await seqs();
    await api.db.query('DELETE FROM history WHERE seq = $1', [third]);
    const res = await verify();
    expect(res.body).toEqual({
      ok: false,
      entries: 3,
      brokenAt: { seq: fourth, reason: 'link-mismatch' },
      evidenceMismatches: [],
    });
  });

  it('lets admins and inspectors verify, nobody else', async () => {
    await api.http.get('/api/v1/history/verify').expect(401);
    const admin = await api.tokenFor(['admin']);
    await api.http.get('/api/v1/history/verify').set(auth(admin)).expect(200);
    for (const role of ['centre', 'finance', 'unit'] as const) {
      const token = await api.tokenFor([role]);
      await api.http.get('/api/v1/history/verify').set(auth(token)).expect(403);
      await api.http.get('/api/v1/history').set(auth(token)).expect(403);
    }
  });
});
