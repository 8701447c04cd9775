import { startTestApi, type TestApi } from '../support/test-app.js';
import { putPositions, seedUnit, type SeededCar } from './fleet-fixtures.js';

describe('GET /api/v1/vehicles/{id}/track', () => {
  let api: TestApi;
  let inspector: string;
  let car: SeededCar;
  let other: SeededCar;
  const url = (id: string, from: string, to: string) =>
    `/api/v1/vehicles/${id}/track?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;

  beforeAll(async () => {
    api = await startTestApi();
    inspector = await api.tokenFor(['inspector']);
    [car, other] = (await seedUnit(api.db, 'Track office', [{ plate: '苏N40001' }, { plate: '苏N40002' }])).cars;
    const base = { terminalId: car.terminalId!, vehicleId: car.vehicleId };
    // Inserted out of order, with a blind-area re-upload in the middle, as the gateway may store them.
    await putPositions(api.db, [
      { ...base, fixTime: '2026-11-26T09:02:00+08:00', lat: 33.962, lon: 118.332, speedKmh: 36, ignition: true },
      { ...base, fixTime: '2026-11-26T09:00:00+08:00', lat: 33.96, lon: 118.33, speedKmh: 0, ignition: false },
      {
        ...base,
        fixTime: '2026-11-26T09:01:00+08:00',
        lat: 33.961,
        lon: 118.331,
        speedKmh: 30,
        ignition: true,
        replay: true,
      },
      {
        ...base,
        fixTime: '2026-11-26T09:03:00+08:00',
        lat: 33.962,
        lon: 118.332,
        speedKmh: 0,
        ignition: true,
        alarmFlags: 32,
        valid: false,
      },
      { ...base, fixTime: '2026-11-26T09:04:00+08:00', lat: 33.964, lon: 118.334, speedKmh: 40, ignition: true },
      // Outside the window on both sides.
      { ...base, fixTime: '2026-11-26T08:59:59+08:00', lat: 33.9, lon: 118.3 },
      { ...base, fixTime: '2026-11-26T10:00:00+08:00', lat: 33.9, lon: 118.3 },
      // Another car at the same time.
      {
        terminalId: other.terminalId!,
        vehicleId: other.vehicleId,
        fixTime: '2026-11-26T09:02:30+08:00',
        lat: 34.0,
        lon: 118.4,
      },
    ]);
  });
  afterAll(() => api.close());

  it('answers 401 without a token, 403 for finance, 200 for the centre and admins', async () => {
    const path = url(car.vehicleId, '2026-11-26T09:00:00+08:00', '2026-11-26T10:00:00+08:00');
    await api.http.get(path).expect(401);
    await api.http
      .get(path)
      .set('Authorization', `Bearer ${await api.tokenFor(['finance'])}`)
      .expect(403);
    for (const role of ['centre', 'admin'] as const) {
      await api.http
        .get(path)
        .set('Authorization', `Bearer ${await api.tokenFor([role])}`)
        .expect(200);
    }
  });

  it('returns a LineString of the valid fixes in fix-time order and one feature per fix', async () => {
    const res = await api.http
      .get(url(car.vehicleId, '2026-11-26T09:00:00+08:00', '2026-11-26T10:00:00+08:00'))
      .set('Authorization', `Bearer ${inspector}`)
      .expect(200);
    expect(res.body).toMatchObject({
      type: 'FeatureCollection',
      vehicleId: car.vehicleId,
      plateNumber: '苏N40001',
      from: '2026-11-26T01:00:00.000Z',
      to: '2026-11-26T02:00:00.000Z',
    });
    const [line, ...points] = res.body.features;
    expect(line).toEqual({
      type: 'Feature',
      geometry: {
        type: 'LineString',
        coordinates: [
          [118.33, 33.96],
          [118.331, 33.961],
          [118.332, 33.962],
          [118.334, 33.964],
        ],
      },
      properties: { kind: 'track', fixes: 4 },
    });
    expect(points.map((p: { properties: { fixTime: string } }) => p.properties.fixTime)).toEqual([
      '2026-11-26T01:00:00.000Z',
      '2026-11-26T01:01:00.000Z',
      '2026-11-26T01:02:00.000Z',
      '2026-11-26T01:03:00.000Z',
      '2026-11-26T01:04:00.000Z',
    ]);
    expect(points[1]).toEqual({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [118.331, 33.961] },
      properties: {
        kind: 'fix',
        fixTime: '2026-11-26T01:01:00.000Z',
        terminalId: car.terminalId,
        valid: true,
        speedKmh: 30,
        headingDeg: null,
        ignition: true,
        alarmFlags: null,
        odometerKm: null,
        replay: true,
      },
    });
    // No GNSS lock: no geometry, but the antenna-cut alarm is there.
    expect(points[3].geometry).toBeNull();
    expect(points[3].properties).toMatchObject({ valid: false, alarmFlags: 32, ignition: true });
  });

  it('includes from and excludes to', async () => {
    const res = await api.http
      .get(url(car.vehicleId, '2026-11-26T01:01:00Z', '2026-11-26T01:03:00Z'))
      .set('Authorization', `Bearer ${inspector}`)
      .expect(200);
    const fixes = res.body.features.filter((f: { properties: { kind: string } }) => f.properties.kind === 'fix');
    expect(fixes.map((f: { properties: { fixTime: string } }) => f.properties.fixTime)).toEqual([
      '2026-11-26T01:01:00.000Z',
      '2026-11-26T01:02:00.000Z',
    ]);
  });

  it('leaves out the line when fewer than two valid fixes fall in the window', async () => {
    const res = await api.http
      .get(url(other.vehicleId, '2026-11-26T09:00:00+08:00', '2026-11-26T10:00:00+08:00'))
      .set('Authorization', `Bearer ${inspector}`)
      .expect(200);
    expect(res.body.features).toHaveLength(1);
    expect(res.body.features[0].geometry).toEqual({ type: 'Point', coordinates: [118.4, 34.0] });
    const empty = await api.http
      .get(url(other.vehicleId, '2026-11-27T09:00:00+08:00', '2026-11-27T10:00:00+08:00'))
      .set('Authorization', `Bearer ${inspector}`)
      .expect(200);
    expect(empty.body.features).toEqual([]);
  });

  it('answers 404 for a vehicle that does not exist and 400 for an id that is not a UUID', async () => {
    const res = await api.http
      .get(url('00000000-0000-4000-8000-000000000000', '2026-11-26T09:00:00Z', '2026-11-26T10:00:00Z'))
      .set('Authorization', `Bearer ${inspector}`)
      .expect(404);
    expect(res.body.message).toBe('vehicle 00000000-0000-4000-8000-000000000000 is not known');
    await api.http
      .get(url('car-1', '2026-11-26T09:00:00Z', '2026-11-26T10:00:00Z'))
      .set('Authorization', `Bearer ${inspector}`)
      .expect(400);
  });

  it.each([
    ['from missing', `/track?to=2026-11-26T10:00:00Z`, /^from must be an ISO 8601 date-time with a zone/],
    ['to missing', `/track?from=2026-11-26T10:00:00Z`, /^to must be an ISO 8601 date-time with a zone/],
    ['from without a zone', `/track?from=2026-11-26T09:00:00&to=2026-11-26T10:00:00Z`, /^from must be an ISO 8601/],
    ['a day that does not exist', `/track?from=2026-02-30T09:00:00Z&to=2026-03-05T10:00:00Z`, /^from must be an ISO/],
    ['from after to', `/track?from=2026-11-26T11:00:00Z&to=2026-11-26T10:00:00Z`, /^from must be before to$/],
    ['from equal to to', `/track?from=2026-11-26T10:00:00Z&to=2026-11-26T10:00:00Z`, /^from must be before to$/],
    ['a span over 31 days', `/track?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:01Z`, /^to must be at most 31 days/],
  ])('answers 400 naming the field for %s', async (_, query, message) => {
    const res = await api.http
      .get(`/api/v1/vehicles/${car.vehicleId}${query}`)
      .set('Authorization', `Bearer ${inspector}`)
      .expect(400);
    expect(res.body.message.join(' ')).toMatch(message);
  });

  it('accepts a span of exactly 31 days', async () => {
    await api.http
      .get(url(car.vehicleId, '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'))
      .set('Authorization', `Bearer ${inspector}`)
      .expect(200);
  });
});
