import { fixedClock } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { addCar, addUnit, bind } from './gate-fixtures.js';

/** 2026-11-26 10:00 in Asia/Shanghai. */
const NOW = '2026-11-26T02:00:00Z';
/** One kilometre of latitude, in degrees. */
const KM = 1 / 111.195;

/**
 * The fuel fields of contract/payment-gate.md: FUEL_IMPLAUSIBLE (litres against the distance since the previous
 * fill × 15 L/100 km + 10 L) and FUEL_CAR_ELSEWHERE (no position within 2 km of the station around the fill).
 */
describe('payment gate: fuel invoices', () => {
  let api: TestApi;
  let finance: string;
  let invoice = 0;

  const fuel = (fields: Record<string, unknown>, plateNumber = '苏N·F0001') =>
    api.http
      .post('/api/v1/payment-gate/checks')
      .set('Authorization', `Bearer ${finance}`)
      .send({
        plateNumber,
        expenseType: 'fuel',
        amount: '500.00',
        invoiceNo: `F-${++invoice}`,
        expenseDate: '2026-11-25',
        ...fields,
      });

  beforeAll(async () => {
    api = await startTestApi({}, { clock: fixedClock(NOW) });
    finance = await api.tokenFor(['finance']);
    const unit = await addUnit(api.db, '区机关事务局');
    const car = await addCar(api.db, unit, '苏N·F0001');
    await bind(api.db, car, 'T-F1', '2026-01-01');
    // On 25 November from 09:00 to 10:00 the car drives 30 km due north, a fix every 2 minutes (every km).
    await api.db.query(
      `INSERT INTO positions (terminal_id, vehicle_id, fix_time, lat, lon, speed_kmh)
       SELECT 'T-F1', $1, timestamptz '2026-11-25T09:00:00+08:00' + g * interval '2 minutes', 32.0 + g * $2::float8, 119.0, 30
       FROM generate_series(0, 30) g`,
      [car, KM],
    );
  });
  afterAll(() => api.close());

  it('denies 80 L after 30 km, naming the distance, the consumption and the allowance', async () => {
    const res = await fuel({ litres: '80', filledAt: '2026-11-25T10:30:00+08:00' }).expect(200);
    expect(res.body.decision).toBe('deny');
    expect(res.body.reasons).toEqual([
      {
        code: 'FUEL_IMPLAUSIBLE',
        message:
          '80.000 L is more than the car can have burned since its previous fill (2026-10-26 10:30): ' +
          '30.0 km driven × 15 L/100 km + 10 L tolerance = 14.5 L',
      },
    ]);
  });

  it('allows what 30 km can burn when no earlier fill is on record before it', async () => {
    const res = await fuel({ litres: '14', filledAt: '2026-11-25T10:20:00+08:00' }).expect(200);
    expect(res.body).toMatchObject({ decision: 'allow', reasons: [] });
  });

  it('counts from the previous fill, denied or not: 10 L tolerance allowed, 10.5 L not, with no driving between', async () => {
    // The previous fill is the denied 80 L at 10:30, after the drive ended.
    const over = await fuel({ litres: '10.5', filledAt: '2026-11-25T10:40:00+08:00' }).expect(200);
    expect(over.body.reasons[0].message).toContain(
      '(2026-11-25 10:30): 0.0 km driven × 15 L/100 km + 10 L tolerance = 10.0 L',
    );
    const at = await fuel({ litres: '10', filledAt: '2026-11-25T10:50:00+08:00' }).expect(200);
    expect(at.body).toMatchObject({ decision: 'allow', reasons: [] });
  });

  it('denies a fill at a station 2 km or more from every position of the car around the fill time', async () => {
    // At 09:30 the car is 15 km north of its start; the station at the start is 15 km away.
    const far = await fuel({
      filledAt: '2026-11-25T09:30:00+08:00',
      station: { lat: 32.0, lon: 119.0, coordinateSystem: 'wgs84' },
    }).expect(200);
    expect(far.body.reasons).toEqual([
      {
        code: 'FUEL_CAR_ELSEWHERE',
        message:
          'within 10 minutes of the fill at 2026-11-25 09:30:00 the car was 10.00 km from the station at the nearest ' +
          '(more than the 2 km allowed)',
      },
    ]);
    const near = await fuel({
      filledAt: '2026-11-25T09:30:00+08:00',
      station: { lat: 32.0 + 16.5 * KM, lon: 119.0, coordinateSystem: 'wgs84' },
    }).expect(200);
    expect(near.body).toMatchObject({ decision: 'allow', reasons: [] });
    // No position within 10 minutes of the fill: not judged.
    const unseen = await fuel({
      filledAt: '2026-11-25T20:00:00+08:00',
      station: { lat: 30.0, lon: 119.0, coordinateSystem: 'wgs84' },
    }).expect(200);
    expect(unseen.body).toMatchObject({ decision: 'allow', reasons: [] });
  });

  it('answers the same request with the same decision, and the same invoice with other litres as reused', async () => {
    const body = { invoiceNo: 'F-SAME', litres: '12.5', filledAt: '2026-11-25T11:00:00+08:00' };
    const first = await fuel(body).expect(200);
    const again = await fuel(body).expect(200);
    expect(again.body.checkId).toBe(first.body.checkId);
    const other = await fuel({ ...body, litres: '12.6' }).expect(200);
    expect(other.body.reasons.map((r: { code: string }) => r.code)).toContain('INVOICE_REUSED');
  });

  it('refuses fuel fields that break the contract with 400 naming each, and records nothing', async () => {
    const before = (await api.db.query('SELECT count(*)::int AS n FROM payment_checks')).rows[0].n;
    const toll = await api.http
      .post('/api/v1/payment-gate/checks')
      .set('Authorization', `Bearer ${finance}`)
      .send({
        plateNumber: '苏N·F0001',
        expenseType: 'toll',
        amount: '20.00',
        invoiceNo: 'F-T',
        expenseDate: '2026-11-25',
        litres: '5',
      })
      .expect(400);
    expect(toll.body.message).toEqual(['litres is only for expenseType fuel']);
    const bad = await fuel({
      litres: '500.5',
      filledAt: '2026-11-24T09:00:00+08:00',
      station: { lat: 32, lon: 119, coordinateSystem: 'utm' },
    }).expect(400);
    expect(bad.body.message).toEqual([
      'litres must be a decimal string greater than 0 and at most 500, with at most 3 decimals (e.g. "45.5")',
      'filledAt must fall on expenseDate 2026-11-25 in Asia/Shanghai',
      'station must be {"lat": number, "lon": number, "coordinateSystem": "wgs84" | "gcj02" | "bd09"}',
    ]);
    const future = await fuel({ filledAt: '2026-11-26T11:00:00+08:00', expenseDate: '2026-11-26' }).expect(400);
    expect(future.body.message).toEqual(['filledAt must not be in the future']);
    expect((await api.db.query('SELECT count(*)::int AS n FROM payment_checks')).rows[0].n).toBe(before);
  });
});
