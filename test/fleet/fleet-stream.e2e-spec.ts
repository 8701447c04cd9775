import { fixedClock } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { putLive, seedUnit, type SeededCar } from './fleet-fixtures.js';
import { collectEvents, until } from '../support/sse.js';

const NOW = new Date('2026-11-26T02:00:00.000Z'); // 10:00 in Asia/Shanghai

describe('GET /api/v1/fleet/stream', () => {
  let api: TestApi;
  let origin: string;
  let centre: string;
  let car: SeededCar;
  let other: SeededCar;

  beforeAll(async () => {
    api = await startTestApi({}, { clock: fixedClock(NOW) });
    await api.app.listen(0, '127.0.0.1');
    origin = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    centre = await api.tokenFor(['centre']);
    const unit = await seedUnit(api.db, 'Stream office', [{ plate: '苏N30001' }, { plate: '苏N30002' }]);
    [car, other] = unit.cars;
    const long = new Date(Date.now() - 3_600_000);
    for (const c of [car, other]) {
      await putLive(api.db, {
        terminalId: c.terminalId!,
        vehicleId: c.vehicleId,
        fixTime: long,
        receivedAt: long,
        lat: 33.9,
        lon: 118.3,
        online: true,
      });
    }
  });
  afterAll(() => api.close());

  const open = () =>
    fetch(`${origin}/api/v1/fleet/stream`, {
      headers: { Authorization: `Bearer ${centre}`, Accept: 'text/event-stream' },
    });

  it('pushes a car the gateway heard from after the listener joined, with its fix and link state, and only that car', async () => {
    const res = await open();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = collectEvents(res.body!);
    try {
      // The first look only sets where "new" starts: wait past it, then the gateway writes one car's live row.
      await new Promise((r) => setTimeout(r, 1_000));
      const fix = new Date(NOW.getTime() - 2_000);
      await putLive(api.db, {
        terminalId: car.terminalId!,
        vehicleId: car.vehicleId,
        fixTime: fix,
        receivedAt: new Date(),
        lat: 33.95,
        lon: 118.35,
        online: true,
      });
      const moves = await until(
        () => stream.events.find((e) => e.type === 'positions')?.data as Record<string, unknown>[] | undefined,
      );
      expect(moves).toEqual([
        expect.objectContaining({
          vehicleId: car.vehicleId,
          lat: 33.95,
          lon: 118.35,
          fixTime: fix.toISOString(),
          state: 'online',
        }),
      ]);
      // The same row is not sent twice, though it is read again while inside the overlap.
      await new Promise((r) => setTimeout(r, 1_200));
      expect(stream.events.filter((e) => e.type === 'positions')).toHaveLength(1);
    } finally {
      await stream.stop();
    }
  });

  it('pushes a finding the detector has just raised', async () => {
    const stream = collectEvents((await open()).body!);
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const { rows } = await api.db.query<{ id: string }>(
        `INSERT INTO violations (vehicle_id, terminal_id, rule, start_time, lat, lon)
         VALUES ($1, $2, 'off_hours', $3, 33.95, 118.35) RETURNING id`,
        [other.vehicleId, other.terminalId, new Date(NOW.getTime() - 600_000)],
      );
      const findings = await until(
        () => stream.events.find((e) => e.type === 'findings')?.data as Record<string, unknown>[] | undefined,
      );
      expect(findings).toEqual([
        expect.objectContaining({ id: rows[0].id, vehicleId: other.vehicleId, rule: 'off_hours', kind: 'violation' }),
      ]);
    } finally {
      await stream.stop();
    }
  });

  it('answers 406 at once to a call that does not ask for an event stream', async () => {
    const res = await fetch(`${origin}/api/v1/fleet/stream`, { headers: { Authorization: `Bearer ${centre}` } });
    expect(res.status).toBe(406);
    expect(((await res.json()) as { message: string }).message).toMatch(/Accept: text\/event-stream/);
  });

  it('refuses a listener without a token, and a role that may not see the fleet', async () => {
    expect((await fetch(`${origin}/api/v1/fleet/stream`)).status).toBe(401);
    const finance = await api.tokenFor(['finance']);
    const res = await fetch(`${origin}/api/v1/fleet/stream`, { headers: { Authorization: `Bearer ${finance}` } });
    expect(res.status).toBe(403);
  });
});
