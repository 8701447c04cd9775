import { fixedClock } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { putLive, putPositions, seedUnit, type SeededCar } from './fleet-fixtures.js';

const NOW = new Date('2026-11-26T02:00:00.000Z'); // 10:00 in Asia/Shanghai
const secondsBefore = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

describe('GET /api/v1/fleet/live', () => {
  let api: TestApi;
  let centre: string;
  const clock = fixedClock(NOW);
  let north: { unitId: string; cars: SeededCar[] };
  let south: { unitId: string; cars: SeededCar[] };
  const car = (plate: string) => {
    const index = ['苏N10001', '苏N10002', '苏N10003', '苏N10004', '苏N10005', '苏N10006'].indexOf(plate);
    return north.cars[index];
  };

  beforeAll(async () => {
    api = await startTestApi({}, { clock });
    centre = await api.tokenFor(['centre']);
    north = await seedUnit(api.db, 'North office', [
      { plate: '苏N10001' }, // fresh and online
      { plate: '苏N10002' }, // said online, silent past the limit
      { plate: '苏N10003' }, // said offline (its will), heard recently
      { plate: '苏N10004' }, // bound, never heard
      { plate: '苏N10005', terminal: false }, // no terminal at all
      { plate: '苏N10006', status: 'decommissioned' },
    ]);
    south = await seedUnit(api.db, 'South office', [{ plate: '苏N20001', category: 'emergency' }]);
    const at = (seconds: number) => ({ fixTime: secondsBefore(seconds + 1), receivedAt: secondsBefore(seconds) });
    await putLive(api.db, {
      terminalId: car('苏N10001').terminalId!,
      vehicleId: car('苏N10001').vehicleId,
      ...at(300),
      lat: 33.961,
      lon: 118.331,
      speedKmh: 42.5,
      headingDeg: 90,
      ignition: true,
      alarmFlags: 32,
      online: true,
    });
    await putLive(api.db, {
      terminalId: car('苏N10002').terminalId!,
      vehicleId: car('苏N10002').vehicleId,
      ...at(301),
      lat: 33.95,
      lon: 118.32,
      online: true,
    });
    await putLive(api.db, {
      terminalId: car('苏N10003').terminalId!,
      vehicleId: car('苏N10003').vehicleId,
      ...at(10),
      lat: 33.97,
      lon: 118.34,
      online: false,
    });
    await putLive(api.db, {
      terminalId: south.cars[0].terminalId!,
      vehicleId: south.cars[0].vehicleId,
      ...at(5),
      lat: 33.9,
      lon: 118.4,
      online: true,
    });
    // A stored position without a live row: the live view must not go looking in positions.
    await putPositions(api.db, [
      {
        terminalId: car('苏N10004').terminalId!,
        vehicleId: car('苏N10004').vehicleId,
        fixTime: secondsBefore(20).toISOString(),
        lat: 33.9,
        lon: 118.3,
      },
    ]);
  });
  afterAll(() => api.close());

  it('answers 401 without a token and 403 for finance and unit clerks', async () => {
    await api.http.get('/api/v1/fleet/live').expect(401);
    for (const role of ['finance', 'unit'] as const) {
      const token = await api.tokenFor([role]);
      await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${token}`).expect(403);
    }
  });

  it('lets the centre, inspectors and admins see the fleet', async () => {
    for (const role of ['centre', 'inspector', 'admin'] as const) {
      const token = await api.tokenFor([role]);
      await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${token}`).expect(200);
    }
  });

  it('lists every active car once with its terminal and latest fix, and counts the link states', async () => {
    const res = await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${centre}`).expect(200);
    expect(res.body.at).toBe(NOW.toISOString());
    expect(res.body.offlineAfterSeconds).toBe(300);
    expect(res.body.counts).toEqual({ total: 6, online: 2, offline: 2, neverReported: 2 });
    const byPlate = new Map<string, Record<string, unknown>>(
      res.body.vehicles.map((v: Record<string, unknown>) => [v.plateNumber, v]),
    );
    expect([...byPlate.keys()].sort()).toEqual([
      '苏N10001',
      '苏N10002',
      '苏N10003',
      '苏N10004',
      '苏N10005',
      '苏N20001',
    ]);
    expect(byPlate.get('苏N10001')).toEqual({
      vehicleId: car('苏N10001').vehicleId,
      plateNumber: '苏N10001',
      unitId: north.unitId,
      unitName: 'North office',
      category: 'general',
      terminalId: car('苏N10001').terminalId,
      state: 'online',
      online: true,
      fixTime: secondsBefore(301).toISOString(),
      receivedAt: secondsBefore(300).toISOString(),
      lat: 33.961,
      lon: 118.331,
      speedKmh: 42.5,
      headingDeg: 90,
      ignition: true,
      alarmFlags: 32,
      valid: true,
    });
    expect(byPlate.get('苏N10002')).toMatchObject({ state: 'offline', online: false, lat: 33.95 });
    expect(byPlate.get('苏N10003')).toMatchObject({ state: 'offline', online: false });
    expect(byPlate.get('苏N10004')).toMatchObject({ state: 'never_reported', online: false, lat: null, fixTime: null });
    expect(byPlate.get('苏N10005')).toMatchObject({ state: 'never_reported', terminalId: null });
    expect(byPlate.get('苏N20001')).toMatchObject({ state: 'online', category: 'emergency', unitName: 'South office' });
  });

  it('turns a car offline once its silence passes OFFLINE_AFTER_SECONDS, by the clock alone', async () => {
    clock.set(new Date(NOW.getTime() + 1000));
    try {
      const res = await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${centre}`).expect(200);
      const first = res.body.vehicles.find((v: { plateNumber: string }) => v.plateNumber === '苏N10001');
      expect(first).toMatchObject({ state: 'offline', online: false });
      expect(res.body.counts).toEqual({ total: 6, online: 1, offline: 3, neverReported: 2 });
    } finally {
      clock.set(NOW);
    }
  });

  it('follows the open binding: a terminal swapped out no longer speaks for the car', async () => {
    const [swapped] = (await seedUnit(api.db, 'Swap office', [{ plate: '苏N30001' }])).cars;
    await putLive(api.db, {
      terminalId: swapped.terminalId!,
      vehicleId: swapped.vehicleId,
      fixTime: NOW,
      receivedAt: NOW,
      lat: 34,
      lon: 118.2,
      online: true,
    });
    await api.db.query(`UPDATE terminal_bindings SET valid_to = '2026-11-20' WHERE terminal_id = $1`, [
      swapped.terminalId,
    ]);
    await api.db.query(`INSERT INTO terminals (terminal_id, secret_hash) VALUES ('TNEW30001', 'x')`);
    await api.db.query(
      `INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from) VALUES ($1, 'TNEW30001', '2026-11-21')`,
      [swapped.vehicleId],
    );
    const unit = await api.db.query<{ unit_id: string }>('SELECT unit_id FROM vehicles WHERE id = $1', [
      swapped.vehicleId,
    ]);
    const res = await api.http
      .get(`/api/v1/fleet/live?unitId=${unit.rows[0].unit_id}`)
      .set('Authorization', `Bearer ${centre}`)
      .expect(200);
    expect(res.body.vehicles).toEqual([
      expect.objectContaining({ terminalId: 'TNEW30001', state: 'never_reported', lat: null }),
    ]);
  });

  it('filters by unit', async () => {
    const res = await api.http
      .get(`/api/v1/fleet/live?unitId=${south.unitId}`)
      .set('Authorization', `Bearer ${centre}`)
      .expect(200);
    expect(res.body.counts).toEqual({ total: 1, online: 1, offline: 0, neverReported: 0 });
    expect(res.body.vehicles.map((v: { plateNumber: string }) => v.plateNumber)).toEqual(['苏N20001']);
  });

  it('names a bad unitId or format', async () => {
    const unit = await api.http
      .get('/api/v1/fleet/live?unitId=north')
      .set('Authorization', `Bearer ${centre}`)
      .expect(400);
    expect(unit.body.message).toEqual(['unitId must be a UUID']);
    const format = await api.http
      .get('/api/v1/fleet/live?format=kml')
      .set('Authorization', `Bearer ${centre}`)
      .expect(400);
    expect(format.body.message).toEqual(['format must be one of: json, geojson']);
  });

  it('answers as a GeoJSON FeatureCollection of the cars that have a position', async () => {
    const res = await api.http
      .get(`/api/v1/fleet/live?format=geojson&unitId=${north.unitId}`)
      .set('Authorization', `Bearer ${centre}`)
      .expect(200);
    expect(res.body.type).toBe('FeatureCollection');
    expect(res.body.counts).toEqual({ total: 5, online: 1, offline: 2, neverReported: 2 });
    expect(res.body.features).toHaveLength(3);
    const first = res.body.features.find((f: { id: string }) => f.id === car('苏N10001').vehicleId);
    expect(first.geometry).toEqual({ type: 'Point', coordinates: [118.331, 33.961] });
    expect(first.properties).toMatchObject({ plateNumber: '苏N10001', state: 'online', speedKmh: 42.5 });
    expect(first.properties).not.toHaveProperty('lat');
  });

  it('shows the demo replay clock while a running demo reports it, and none once it is a minute old', async () => {
    const get = async () =>
      (await api.http.get('/api/v1/fleet/live').set('Authorization', `Bearer ${centre}`).expect(200)).body;
    expect((await get()).replayClock).toBeNull();
    const report = (reportedAt: Date) =>
      api.db.query(
        `INSERT INTO settings (key, value) VALUES ('demo_replay_clock', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [JSON.stringify({ clock: '2026-11-24T03:15:00.000Z', reportedAt: reportedAt.toISOString() })],
      );
    try {
      await report(secondsBefore(10));
      expect((await get()).replayClock).toBe('2026-11-24T03:15:00.000Z');
      await report(secondsBefore(61));
      expect((await get()).replayClock).toBeNull();
    } finally {
      await api.db.query(`DELETE FROM settings WHERE key = 'demo_replay_clock'`);
    }
  });
});
