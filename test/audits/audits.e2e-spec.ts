import { AuditDrawService, isoWeekAt, shiftWeek } from '#app/audit';
import { localDate } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { insertFleet } from './fleet.js';

const TZ = 'Asia/Shanghai';

describe('weekly audit through the REST API', () => {
  let api: TestApi;
  let centre: string;
  let inspector: string;
  let vehicleIds: string[];
  const current = isoWeekAt(new Date(), TZ);
  const previous = shiftWeek(current, -1, TZ);
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApi();
    centre = await api.tokenFor(['centre']);
    inspector = await api.tokenFor(['inspector']);
    ({ vehicleIds } = await insertFleet(api.db, { active: 30, decommissioned: 3, name: 'Audit unit AU' }));
    const at = (hoursIntoWeek: number) => new Date(previous.start.getTime() + hoursIntoWeek * 3_600_000);
    for (const id of vehicleIds.slice(0, 30)) {
      for (const [hours, distance, offHours] of [
        [10, 12_000, 0],
        [34, 8_000, 3_000],
      ]) {
        await api.db.query(
          `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m,
             off_hours_distance_m) VALUES ($1, $2, $3, 33.9, 118.3, 33.95, 118.35, $4, $5)`,
          [id, at(hours), at(hours + 1), distance, offHours],
        );
      }
      // Two weeks back: must not be counted.
      await api.db.query(
        `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m)
         VALUES ($1, $2, $3, 33.9, 118.3, 33.95, 118.35, 50000)`,
        [id, at(-30), at(-29)],
      );
      await api.db.query(
        `INSERT INTO violations (vehicle_id, rule, kind, start_time) VALUES ($1, 'off_hours', 'violation', $2)`,
        [id, at(34)],
      );
    }
  });
  afterAll(async () => {
    // pool.end() resolves before its sockets have closed, and the forced drop of the database may reach one.
    api.db.on('error', () => undefined);
    await api.close();
  });

  it('draws the current week on demand with ceil(10 %) of the active cars and refuses a second draw', async () => {
    await api.http.post('/api/v1/audits/draw').set(auth(inspector)).expect(403);
    const res = await api.http.post('/api/v1/audits/draw').set(auth(centre)).expect(201);
    expect(res.body).toMatchObject({ status: 'drawn', week: current.label, activeCount: 30, sampleSize: 3 });
    const again = await api.http.post('/api/v1/audits/draw').set(auth(centre)).expect(409);
    expect(again.body.error).toBe('WEEK_ALREADY_DRAWN');
    const rows = await api.db.query('SELECT count(*)::int AS n FROM audit_weeks WHERE iso_week = $1', [current.label]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('refuses a second row for a week at the database level', async () => {
    await expect(
      api.db.query(
        `INSERT INTO audit_weeks (iso_week, first_day, last_day, week_start, week_end, algorithm, seed, roster,
           roster_hash, active_count, sample_rate, sample_size, sample, trigger, drawn_by)
         SELECT iso_week, first_day, last_day, week_start, week_end, algorithm, seed, roster, roster_hash,
                active_count, sample_rate, sample_size, sample, 'manual', 'intruder'
           FROM audit_weeks WHERE iso_week = $1`,
        [current.label],
      ),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it("gives each drawn car an item with its previous week's trips, mileage, off-hours distance and findings", async () => {
    const res = await api.http.get(`/api/v1/audits/${current.label}`).set(auth(inspector)).expect(200);
    expect(res.body.items).toHaveLength(3);
    expect(res.body.progress).toEqual({ done: 0, total: 3 });
    for (const item of res.body.items) {
      expect(vehicleIds.slice(0, 30)).toContain(item.vehicleId);
      expect(item.status).toBe('pending');
      expect(item.overdue).toBe(false);
      expect(item.previousWeek).toMatchObject({ trips: 2, distanceKm: 20, offHoursDistanceKm: 3 });
      expect(item.previousWeek.findings).toEqual([expect.objectContaining({ rule: 'off_hours', kind: 'violation' })]);
    }
  });

  it('recomputes the draw from its seed and roster and shows that it matches', async () => {
    const res = await api.http.get(`/api/v1/audits/${current.label}/verify`).set(auth(inspector)).expect(200);
    expect(res.body.verified).toBe(true);
    expect(Object.values(res.body.checks).every(Boolean)).toBe(true);
    expect(res.body.recomputedSample).toEqual(res.body.recordedSample);
    expect(res.body.roster).toEqual([...vehicleIds.slice(0, 30)].sort());
    expect(res.body.recomputedRosterHash).toBe(res.body.rosterHash);
    expect(res.body.seed).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shows a verification failure when the recorded sample or roster was altered', async () => {
    const original = await api.db.query('SELECT sample, roster FROM audit_weeks WHERE iso_week = $1', [current.label]);
    const { sample, roster } = original.rows[0] as { sample: string[]; roster: string[] };
    const rigged = roster.filter((id) => !sample.includes(id)).slice(0, sample.length);
    try {
      await api.db.query('UPDATE audit_weeks SET sample = $2 WHERE iso_week = $1', [
        current.label,
        JSON.stringify(rigged),
      ]);
      let res = await api.http.get(`/api/v1/audits/${current.label}/verify`).set(auth(centre)).expect(200);
      expect(res.body.verified).toBe(false);
      expect(res.body.checks.sampleMatches).toBe(false);
      await api.db.query('UPDATE audit_weeks SET sample = $2, roster = $3 WHERE iso_week = $1', [
        current.label,
        JSON.stringify(sample),
        JSON.stringify(roster.slice(1)),
      ]);
      res = await api.http.get(`/api/v1/audits/${current.label}/verify`).set(auth(centre)).expect(200);
      expect(res.body.verified).toBe(false);
      expect(res.body.checks.rosterHashMatches).toBe(false);
    } finally {
      await api.db.query('UPDATE audit_weeks SET sample = $2, roster = $3 WHERE iso_week = $1', [
        current.label,
        JSON.stringify(sample),
        JSON.stringify(roster),
      ]);
    }
  });

  it('lets an inspector mark an item compliant once, and only an inspector', async () => {
    const week = await api.http.get(`/api/v1/audits/${current.label}`).set(auth(inspector)).expect(200);
    const itemId = week.body.items[0].id;
    await api.http
      .post(`/api/v1/audits/${current.label}/items/${itemId}`)
      .set(auth(centre))
      .send({ result: 'compliant' })
      .expect(403);
    const res = await api.http
      .post(`/api/v1/audits/${current.label}/items/${itemId}`)
      .set(auth(inspector))
      .send({ result: 'compliant', note: 'trips match the dispatch orders' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'compliant', caseId: null });
    const again = await api.http
      .post(`/api/v1/audits/${current.label}/items/${itemId}`)
      .set(auth(inspector))
      .send({ result: 'issue_found', note: 'second thoughts' })
      .expect(409);
    expect(again.body.error).toBe('ITEM_ALREADY_REVIEWED');
    const history = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'audit_item' AND entity_id = $1`,
      [itemId],
    );
    expect(history.rows).toEqual([{ action: 'compliant' }]);
  });

  it('opens an audit case when an inspector finds an issue, and requires a note for it', async () => {
    const week = await api.http.get(`/api/v1/audits/${current.label}`).set(auth(inspector)).expect(200);
    const item = week.body.items[1];
    const path = `/api/v1/audits/${current.label}/items/${item.id}`;
    const bad = await api.http.post(path).set(auth(inspector)).send({ result: 'issue_found' }).expect(400);
    expect(bad.body.message.join(' ')).toMatch(/note is required/);
    await api.http.post(path).set(auth(inspector)).send({ result: 'maybe' }).expect(400);
    const res = await api.http
      .post(path)
      .set(auth(inspector))
      .send({ result: 'issue_found', note: 'night trip to a resort without an order' })
      .expect(200);
    expect(res.body.caseId).toEqual(expect.any(String));
    const cases = await api.db.query(
      'SELECT vehicle_id, rule, source, status, local_day::text, title FROM cases WHERE id = $1',
      [res.body.caseId],
    );
    expect(cases.rows[0]).toMatchObject({
      vehicle_id: item.vehicleId,
      rule: 'audit_finding',
      source: 'audit',
      status: 'open',
      local_day: localDate(new Date(), TZ),
    });
    expect(cases.rows[0].title).toContain(current.label);
    const after = await api.http.get(`/api/v1/audits/${current.label}`).set(auth(inspector)).expect(200);
    expect(after.body.items[1]).toMatchObject({ status: 'issue_found', caseId: res.body.caseId });
    expect(after.body.progress).toEqual({ done: 2, total: 3 });
  });

  it('flags the pending items of a week that ended more than the configured days ago as overdue', async () => {
    const drawer = api.app.get(AuditDrawService, { strict: false });
    const old = shiftWeek(current, -3, TZ);
    const outcome = await drawer.drawWeek(old, 'manual', 'test');
    expect(outcome.status).toBe('drawn');
    let week = await api.http.get(`/api/v1/audits/${old.label}`).set(auth(inspector)).expect(200);
    expect(week.body.overdue).toBe(3);
    expect(week.body.items.every((i: { overdue: boolean }) => i.overdue)).toBe(true);
    const list = await api.http.get('/api/v1/audits').set(auth(centre)).expect(200);
    const byWeek = Object.fromEntries(list.body.weeks.map((w: { week: string }) => [w.week, w]));
    expect(byWeek[old.label]).toMatchObject({ overdue: 3, progress: { done: 0, total: 3 } });
    expect(byWeek[current.label]).toMatchObject({
      overdue: 0,
      progress: { done: 2, total: 3, compliant: 1, issueFound: 1 },
    });
    expect(list.body.missedWeeks).toEqual([shiftWeek(current, -1, TZ).label, shiftWeek(current, -2, TZ).label]);
    // A longer grace period, set by an administrator, lifts the flag.
    await api.http.put('/api/v1/audits/settings').set(auth(centre)).send({ overdueDays: 30 }).expect(403);
    const admin = await api.tokenFor(['admin']);
    await api.http.put('/api/v1/audits/settings').set(auth(admin)).send({ overdueDays: -1 }).expect(400);
    await api.http
      .put('/api/v1/audits/settings')
      .set(auth(admin))
      .send({ overdueDays: 30 })
      .expect(200, { overdueDays: 30 });
    try {
      week = await api.http.get(`/api/v1/audits/${old.label}`).set(auth(inspector)).expect(200);
      expect(week.body.overdue).toBe(0);
      await api.http.get('/api/v1/audits/settings').set(auth(inspector)).expect(200, { overdueDays: 30 });
    } finally {
      await api.http.put('/api/v1/audits/settings').set(auth(admin)).send({ overdueDays: 3 }).expect(200);
    }
  });

  it('reports the share of the fleet audited in the last 4 and 13 weeks', async () => {
    const res = await api.http.get('/api/v1/audits').set(auth(centre)).expect(200);
    const distinct = await api.db.query<{ n: number }>('SELECT count(DISTINCT vehicle_id)::int AS n FROM audit_items');
    expect(res.body.currentWeek).toBe(current.label);
    expect(res.body.currentWeekDrawn).toBe(true);
    expect(res.body.coverage.last4Weeks).toMatchObject({ fleet: 30, audited: distinct.rows[0].n });
    expect(res.body.coverage.last4Weeks.share).toBeCloseTo(distinct.rows[0].n / 30, 4);
    expect(res.body.coverage.last13Weeks.audited).toBe(distinct.rows[0].n);
    expect(res.body.coverage.last4Weeks.reviewed).toBe(2);
  });

  it('answers a malformed week with 400 and an undrawn week with 404', async () => {
    const bad = await api.http.get('/api/v1/audits/2026-48').set(auth(centre)).expect(400);
    expect(bad.body.error).toBe('BAD_WEEK');
    const missing = await api.http.get('/api/v1/audits/2019-W10/verify').set(auth(centre)).expect(404);
    expect(missing.body.error).toBe('WEEK_NOT_DRAWN');
    await api.http
      .get('/api/v1/audits')
      .set(auth(await api.tokenFor(['finance'])))
      .expect(403);
  });
});
