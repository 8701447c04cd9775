import { fixedClock } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** Two periods in the shape of a State Council notice for 2027 (the test needs only its shape). */
const PERIODS_2027 = {
  source: '国务院办公厅关于2027年部分节假日安排的通知',
  periods: [
    { name: '元旦', rest: ['2027-01-01', '2027-01-03'], workdays: [] },
    { name: '春节', rest: ['2027-02-06', '2027-02-14'], workdays: ['2027-02-20'] },
  ],
};

describe('next year’s holiday schedule, as the centre sees it (Asia/Shanghai)', () => {
  describe('on 6 December 2026, with 2027 not loaded', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ TZ_POLICY: 'Asia/Shanghai' }, { clock: fixedClock('2026-12-06T02:00:00Z') });
    });
    afterAll(() => api.close());

    it('warns in the health answer, and the warning goes once the centre loads the notice', async () => {
      const before = await api.http.get('/api/health').expect(200);
      expect(before.body.warnings).toEqual([
        { code: 'CALENDAR_NEXT_YEAR_MISSING', message: expect.stringContaining('2027 is not loaded yet') },
      ]);
      const centre = await api.tokenFor(['centre']);
      const missing = await api.http.get('/api/v1/calendar/2027').set(auth(centre)).expect(200);
      expect(missing.body.hasData).toBe(false);

      const bad = await api.http
        .put('/api/v1/calendar/2027/periods')
        .set(auth(centre))
        .send({ periods: [{ name: '春节', rest: ['2027-02-14', '2027-02-06'], workdays: [] }] })
        .expect(400);
      expect(bad.body.message).toEqual(['periods[0].rest: 2027-02-14 is after 2027-02-06']);

      const loaded = await api.http
        .put('/api/v1/calendar/2027/periods')
        .set(auth(centre))
        .send(PERIODS_2027)
        .expect(200);
      expect(loaded.body).toMatchObject({ year: 2027, hasData: true, source: PERIODS_2027.source });
      expect(loaded.body.days).toContainEqual({ day: '2027-02-20', kind: 'workday', name: '春节调休上班' });
      expect(loaded.body.days.filter((d: { kind: string }) => d.kind === 'holiday')).toHaveLength(12);
      const after = await api.http.get('/api/health').expect(200);
      expect(after.body.warnings).toEqual([]);
      const { rows } = await api.db.query(
        `SELECT actor FROM history WHERE entity_type = 'calendar_year' AND entity_id = '2027'`,
      );
      expect(rows).toEqual([{ actor: 'user1_centre' }]);
    });
  });

  describe('on 2 January 2027, with 2027 still not loaded', () => {
    let api: TestApi;
    beforeAll(async () => {
      api = await startTestApi({ TZ_POLICY: 'Asia/Shanghai' }, { clock: fixedClock('2027-01-02T02:00:00Z') });
    });
    afterAll(() => api.close());

    it('warns that the year under way has no schedule, until a holiday-cn file is loaded', async () => {
      const before = await api.http.get('/api/health').expect(200);
      expect(before.body.warnings).toEqual([
        { code: 'CALENDAR_YEAR_MISSING', message: expect.stringContaining('2027 is not loaded') },
      ]);
      const centre = await api.tokenFor(['centre']);
      const file = {
        $schema: 'https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/schema.json',
        $id: 'https://raw.githubusercontent.com/NateScarlet/holiday-cn/master/2027.json',
        year: 2027,
        papers: ['https://www.gov.cn/zhengce/content/2027.htm'],
        days: [
          { name: '元旦', date: '2027-01-01', isOffDay: true },
          { name: '春节', date: '2027-02-20', isOffDay: false },
        ],
      };
      const wrongYear = await api.http.put('/api/v1/calendar/2028/holiday-cn').set(auth(centre)).send(file).expect(400);
      expect(wrongYear.body.message).toEqual(['year: the file is for 2027, not 2028']);
      const loaded = await api.http.put('/api/v1/calendar/2027/holiday-cn').set(auth(centre)).send(file).expect(200);
      expect(loaded.body.days).toEqual([
        { day: '2027-01-01', kind: 'holiday', name: '元旦' },
        { day: '2027-02-20', kind: 'workday', name: '春节调休上班' },
      ]);
      expect((await api.http.get('/api/health').expect(200)).body.warnings).toEqual([]);
    });
  });
});
