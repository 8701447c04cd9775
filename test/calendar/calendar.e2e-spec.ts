import { loadCalendar, storeOfficialSchedules } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';

describe('working calendar', () => {
  let api: TestApi;
  let admin: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startTestApi();
    admin = await api.tokenFor(['admin']);
  });
  afterAll(() => api.close());

  it('ships the official 2026 schedule: any signed-in role reads it', async () => {
    const finance = await api.tokenFor(['finance']);
    const res = await api.http.get('/api/v1/calendar/2026').set(auth(finance)).expect(200);
    expect(res.body).toMatchObject({
      year: 2026,
      hasData: true,
      source: expect.stringContaining('2026年部分节假日安排'),
    });
    expect(res.body.days).toContainEqual({ day: '2026-02-14', kind: 'workday', name: '春节调休上班' });
    expect(res.body.days).toContainEqual({ day: '2026-02-16', kind: 'holiday', name: '春节' });
    await api.http.get('/api/v1/calendar/2026').expect(401);
  });

  it('ships 2025 too', async () => {
    const res = await api.http.get('/api/v1/calendar/2025').set(auth(admin)).expect(200);
    expect(res.body.days).toContainEqual({ day: '2025-01-26', kind: 'workday', name: '春节调休上班' });
  });

  it('makes Saturday 2026-02-14 (make-up day) a working day and holiday Monday 2026-02-16 a rest day for the rules', async () => {
    const calendar = await loadCalendar(api.db, [2026]);
    expect(calendar.isWorkingDay('2026-02-14')).toBe(true);
    expect(calendar.isWorkingDay('2026-02-16')).toBe(false);
    expect(calendar.isStatutoryHoliday('2026-02-16')).toBe(true);
    expect(calendar.isWorkingDay('2026-02-24')).toBe(true);
  });

  it('answers a year without data as weekends only', async () => {
    const res = await api.http.get('/api/v1/calendar/2031').set(auth(admin)).expect(200);
    expect(res.body).toEqual({ year: 2031, hasData: false, source: null, loadedAt: null, days: [] });
    const calendar = await loadCalendar(api.db, [2031]);
    expect(calendar.isWorkingDay('2031-01-01')).toBe(true);
    expect(calendar.isWorkingDay('2031-01-04')).toBe(false);
  });

  it('lets an admin replace a year, keeps it in the history, and the rules read the new days', async () => {
    const body = {
      source: '国务院办公厅关于2027年部分节假日安排的通知',
      days: [
        { day: '2027-01-01', kind: 'holiday', name: '元旦' },
        { day: '2027-02-06', kind: 'workday', name: '春节调休上班' },
      ],
    };
    const res = await api.http.put('/api/v1/calendar/2027').set(auth(admin)).send(body).expect(200);
    expect(res.body).toMatchObject({ year: 2027, hasData: true, source: body.source, days: body.days });
    const calendar = await loadCalendar(api.db, [2027]);
    expect(calendar.isWorkingDay('2027-01-01')).toBe(false);
    expect(calendar.isWorkingDay('2027-02-06')).toBe(true);

    const replaced = await api.http
      .put('/api/v1/calendar/2027')
      .set(auth(admin))
      .send({ days: [{ day: '2027-01-01', kind: 'holiday', name: '元旦' }] })
      .expect(200);
    expect(replaced.body.days).toHaveLength(1);
    const history = await api.db.query(
      `SELECT action FROM history WHERE entity_type = 'calendar_year' AND entity_id = '2027' ORDER BY seq`,
    );
    expect(history.rows.map((r) => r.action)).toEqual(['replaced', 'replaced']);
  });

  it('never overwrites an edited year with the shipped schedule', async () => {
    await api.http
      .put('/api/v1/calendar/2025')
      .set(auth(admin))
      .send({ source: 'local correction', days: [{ day: '2025-01-01', kind: 'holiday', name: '元旦' }] })
      .expect(200);
    expect(await storeOfficialSchedules(api.db)).toEqual([]);
    const res = await api.http.get('/api/v1/calendar/2025').set(auth(admin)).expect(200);
    expect(res.body).toMatchObject({
      source: 'local correction',
      days: [{ day: '2025-01-01', kind: 'holiday', name: '元旦' }],
    });
  });

  it('refuses a day outside the year, a duplicate, a weekday make-up day and an unknown kind', async () => {
    const res = await api.http
      .put('/api/v1/calendar/2027')
      .set(auth(admin))
      .send({
        days: [
          { day: '2026-12-31', kind: 'holiday', name: 'x' },
          { day: '2027-01-01', kind: 'holiday', name: '元旦' },
          { day: '2027-01-01', kind: 'holiday', name: '元旦' },
          { day: '2027-01-05', kind: 'workday', name: 'Tuesday' },
          { day: '2027-02-30', kind: 'holiday', name: 'no such day' },
        ],
      })
      .expect(400);
    expect(res.body.message).toEqual([
      'days[0]: 2026-12-31 is not in 2027',
      'days[2]: 2027-01-01 is listed twice',
      'days[3]: 2027-01-05 is a weekday; a make-up working day (workday) must fall on a weekend',
      'days[4]: 2027-02-30 is not a real date',
    ]);
    const kind = await api.http
      .put('/api/v1/calendar/2027')
      .set(auth(admin))
      .send({ days: [{ day: '2027-01-01', kind: 'rest', name: 'x' }] })
      .expect(400);
    expect(kind.body.message).toEqual(['days.0.kind must be one of: holiday, workday']);
    await api.http.put('/api/v1/calendar/1999').set(auth(admin)).send({ days: [] }).expect(400);
  });

  it('lets the centre and admins load a year, and nobody else', async () => {
    for (const role of ['inspector', 'finance', 'unit', 'member'] as const) {
      const token = await api.tokenFor([role]);
      await api.http.put('/api/v1/calendar/2027').set(auth(token)).send({ days: [] }).expect(403);
    }
    const centre = await api.tokenFor(['centre']);
    await api.http.put('/api/v1/calendar/2027').set(auth(centre)).send({ days: [] }).expect(200);
  });
});
