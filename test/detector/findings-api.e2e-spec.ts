import type { INestMicroservice } from '@nestjs/common';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import { startTestApi, testInfrastructure, type TestApi } from '../support/test-app.js';
import {
  driveAndPark,
  local,
  ORIGIN,
  seedCar,
  seedFence,
  squareAround,
  standAt,
  storePositions,
  type SeededCar,
} from './detector-fixture.js';

describe('findings and trips over REST', () => {
  let api: TestApi;
  let detector: INestMicroservice;
  let car: SeededCar;
  let other: SeededCar;
  let inspector: string;

  beforeAll(async () => {
    api = await startTestApi();
    car = await seedCar(api.db);
    other = await seedCar(api.db);
    const club = { lat: ORIGIN.lat + 0.03, lon: ORIGIN.lon };
    await seedFence(api.db, 'Riverside KTV', 'forbidden', squareAround(club, 50));
    // Off-hours drive at 20:00 on Thursday 2026-11-19, and a 15-minute stay at the KTV at 15:00.
    await storePositions(api.db, car, driveAndPark(local('2026-11-19 20:00:00'), 61, 10, 40));
    await storePositions(api.db, car, standAt(local('2026-11-19 15:00:00'), 16, 60, club));
    await storePositions(api.db, other, driveAndPark(local('2026-11-20 06:00:00'), 30, 10, 40));
    detector = await createDetectorApp(api.config, testInfrastructure(api.config), {
      catchUpMs: 0,
      silentSweepMs: 0,
      contextRefreshMs: 0,
      statePersistMs: 0,
    });
    await detector.listen();
    await detector.get(DetectionEngine).catchUp();
    inspector = await api.tokenFor(['inspector']);
  });
  afterAll(async () => {
    await detector.close();
    await api.close();
  });

  const get = (path: string, token = inspector) => api.http.get(path).set('Authorization', `Bearer ${token}`);

  it('lists violations filtered by car, rule and period, newest first', async () => {
    const mine = await get(`/api/v1/violations?vehicleId=${car.vehicleId}`).expect(200);
    expect(mine.body.items.map((v: { rule: string }) => v.rule)).toEqual(['off_hours', 'forbidden_venue']);
    expect(mine.body.total).toBe(2);
    const byRule = await get(`/api/v1/violations?rule=off_hours&unitId=${other.unitId}`).expect(200);
    expect(byRule.body.items).toHaveLength(1);
    expect(byRule.body.items[0].vehicleId).toBe(other.vehicleId);
    const period = await get(
      `/api/v1/violations?vehicleId=${car.vehicleId}&from=2026-11-19T06:00:00Z&to=2026-11-19T08:00:00Z`,
    ).expect(200);
    expect(period.body.items.map((v: { rule: string }) => v.rule)).toEqual(['forbidden_venue']);
  });

  it('returns one violation with its evidence and its track as GeoJSON', async () => {
    const list = await get(`/api/v1/violations?vehicleId=${car.vehicleId}&rule=forbidden_venue`).expect(200);
    const one = await get(`/api/v1/violations/${list.body.items[0].id}`).expect(200);
    expect(one.body).toMatchObject({
      rule: 'forbidden_venue',
      kind: 'violation',
      place: 'Riverside KTV',
      evidence: { fence: { name: 'Riverside KTV' }, parameters: { dwellSeconds: 600 }, ordersConsidered: [] },
    });
    expect(one.body.caseId).toEqual(expect.any(String));
    expect(one.body.track.type).toBe('FeatureCollection');
    const roles = one.body.track.features.map((f: { properties: { role: string } }) => f.properties.role);
    expect(roles).toEqual(['track', 'start', 'fence']);
    expect(one.body.track.features[0].geometry.type).toBe('LineString');
    expect(one.body.track.features[0].geometry.coordinates.length).toBe(16);
  });

  it('lists a car’s trips with distance and off-hours distance', async () => {
    const res = await get(`/api/v1/vehicles/${car.vehicleId}/trips`).expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ startTime: '2026-11-19T12:00:00.000Z' });
    expect(res.body.items[0].distanceM).toBeGreaterThan(6500);
    expect(res.body.items[0].offHoursDistanceM).toBe(res.body.items[0].distanceM);
    await get(`/api/v1/vehicles/${car.vehicleId}/trips?from=2026-11-20T00:00:00Z`).expect(200, {
      vehicleId: car.vehicleId,
      items: [],
      totalDistanceM: 0,
      totalOffHoursDistanceM: 0,
    });
  });

  it('answers 404 for an unknown violation or car, 400 for a bad filter, 403 for finance', async () => {
    await get('/api/v1/violations/00000000-0000-4000-8000-000000000000').expect(404);
    await get('/api/v1/vehicles/00000000-0000-4000-8000-000000000000/trips').expect(404);
    const bad = await get('/api/v1/violations?rule=joyriding&from=yesterday').expect(400);
    expect(bad.body.message.join(' ')).toMatch(/rule/);
    expect(bad.body.message.join(' ')).toMatch(/from/);
    await get('/api/v1/violations', await api.tokenFor(['finance'])).expect(403);
    await api.http.get('/api/v1/violations').expect(401);
  });
});
