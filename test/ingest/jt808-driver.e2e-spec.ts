import type { INestApplicationContext } from '@nestjs/common';
import { driverIdentityBody, MSG } from '#app/jt808';
import { Jt808Terminal } from '#app/simulator';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { freePort } from '../support/service-process.js';
import { startTestApi, testConfig, testInfrastructure, type TestApi } from '../support/test-app.js';
import { registerFleet } from './support/fleet.js';

describe('driver identification over JT/T 808 (0x0702)', () => {
  let api: TestApi;
  let gateway: INestApplicationContext;
  let terminal: Jt808Terminal;
  let vehicleId: string;
  let token: string;
  const swipeAt = Date.parse('2026-12-01T01:00:00Z');

  beforeAll(async () => {
    api = await startTestApi();
    const [car] = await registerFleet(api.db, ['13822220001']);
    vehicleId = car.vehicleId!;
    const port = await freePort();
    const config = testConfig(api.database.url, {
      JT808_PORT: String(port),
      JT808_HOST: '127.0.0.1',
      INGEST_CLIENT_ID: `gw-jt808-driver-${port}`,
    });
    gateway = await createGatewayContext(config, testInfrastructure(config));
    terminal = new Jt808Terminal({ host: '127.0.0.1', port, phone: '13822220001', edition: 2013 });
    await terminal.connect();
    expect(await terminal.signOn()).toBe(0);
    token = await api.tokenFor(['centre']);
  });

  afterAll(async () => {
    terminal?.close();
    await gateway?.close();
    await api?.close();
  });

  const vehicle = () =>
    api.http
      .get(`/api/v1/vehicles/${vehicleId}`)
      .set('authorization', `Bearer ${token}`)
      .expect(200)
      .then((r) => r.body);

  it('makes the card holder (2013 layout, GBK) the car’s current driver once the swipe is stored, and a resent swipe adds nothing', async () => {
    const body = driverIdentityBody(
      {
        inserted: true,
        at: swipeAt,
        name: '李四',
        certificateNo: 'JS3213000001',
        issuer: '宿迁市交通运输局',
        validUntil: '20301231',
      },
      2013,
    );
    expect((await terminal.request(MSG.DRIVER_IDENTITY, body)).result).toBe(0);
    expect((await terminal.request(MSG.DRIVER_IDENTITY, body)).result).toBe(0);
    expect((await vehicle()).currentDriver).toEqual({
      name: '李四',
      certificateNo: 'JS3213000001',
      issuer: '宿迁市交通运输局',
      since: new Date(swipeAt).toISOString(),
    });
    const { rows } = await api.db.query('SELECT count(*)::int AS n FROM driver_card_events WHERE vehicle_id = $1', [
      vehicleId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('shows with each trip the driver who held the card, and none for a trip after the card came out', async () => {
    const removedAt = swipeAt + 3 * 3_600_000;
    expect(
      (await terminal.request(MSG.DRIVER_IDENTITY, driverIdentityBody({ inserted: false, at: removedAt }, 2013)))
        .result,
    ).toBe(0);
    expect((await vehicle()).currentDriver).toBeNull();
    for (const startMs of [swipeAt + 3_600_000, removedAt + 3_600_000]) {
      await api.db.query(
        `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m)
         VALUES ($1, $2, $3, 33.9, 118.3, 33.95, 118.35, 6000)`,
        [vehicleId, new Date(startMs), new Date(startMs + 1_200_000)],
      );
    }
    const res = await api.http
      .get(`/api/v1/vehicles/${vehicleId}/trips`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    const [later, earlier] = res.body.items;
    expect(earlier.driver).toMatchObject({ name: '李四', certificateNo: 'JS3213000001' });
    expect(later.driver).toBeNull();
  });
});
