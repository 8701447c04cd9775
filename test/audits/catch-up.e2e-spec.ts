import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fixedClock, type Clock } from '#app/calendar';
import { loadConfig, ConfigError } from '#app/config';
import { AuditDrawJob } from '../../apps/scheduler/src/audit-draw.job.js';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module.js';
import { startTestApi, testConfig, testInfrastructure, type TestApi } from '../support/test-app.js';
import { insertFleet } from './fleet.js';

/** A week the service was down for is drawn at the next start, from its own roster and trips, and says so. */
describe('catching up missed audit weeks at start', () => {
  const clock = fixedClock('2026-03-04T02:00:00Z'); // Wednesday of 2026-W10, 10:00 in Shanghai
  let api: TestApi;
  let inspector: string;
  const open: INestApplicationContext[] = [];
  let lateCar: string;
  let retiredCar: string;
  let tracked: string;

  async function start(at: string, env: Record<string, string> = {}): Promise<AuditDrawJob> {
    clock.set(at);
    const config = testConfig(api.database.url, { AUDIT_SAMPLE_RATE: '1', ...env });
    const app = await NestFactory.createApplicationContext(
      SchedulerModule.register(config, testInfrastructure(config), { clock: clock as Clock }),
      { logger: false },
    );
    open.push(app);
    await app.init();
    return app.get(AuditDrawJob);
  }
  const weeks = async () =>
    (
      await api.db.query(
        `SELECT iso_week, trigger, drawn_late, late_reason, roster, active_count FROM audit_weeks ORDER BY iso_week`,
      )
    ).rows as {
      iso_week: string;
      trigger: string;
      drawn_late: boolean;
      late_reason: string | null;
      roster: string[];
      active_count: number;
    }[];
  const trip = (vehicleId: string, startIso: string) =>
    api.db.query(
      `INSERT INTO trips (vehicle_id, start_time, end_time, start_lat, start_lon, end_lat, end_lon, distance_m,
         off_hours_distance_m) VALUES ($1, $2, $2::timestamptz + interval '1 hour', 33.9, 118.3, 33.95, 118.35, 12000, 0)`,
      [vehicleId, startIso],
    );

  beforeAll(async () => {
    api = await startTestApi({}, { clock });
    inspector = await api.tokenFor(['inspector']);
    const { vehicleIds } = await insertFleet(api.db, { active: 12, name: 'Catch-up unit CU' });
    await api.db.query(`UPDATE vehicles SET commissioned_on = '2025-01-01'`);
    [tracked, retiredCar] = vehicleIds;
    // Retired on Thursday of 2026-W11: in service when W11 began, not when W12 began.
    await api.db.query(
      `UPDATE vehicles SET status = 'decommissioned', decommissioned_on = '2026-03-12' WHERE id = $1`,
      [retiredCar],
    );
    // Joined the fleet on Wednesday of 2026-W11: not on W11's roster, on W12's.
    lateCar = (
      await api.db.query(
        `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id, commissioned_on)
         SELECT '苏N·CU900', '苏NCU900', 'general', unit_id, '2026-03-11' FROM vehicles WHERE id = $1 RETURNING id`,
        [tracked],
      )
    ).rows[0].id;
    await trip(tracked, '2026-03-05T02:00:00Z'); // in W10: audited by W11's draw
    await trip(tracked, '2026-03-10T02:00:00Z'); // in W11: audited by W12's draw
    await trip(tracked, '2026-03-11T03:00:00Z'); // in W11 too
  });
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });
  afterAll(() => api.close());

  it('draws nothing late on a first start: there is nothing from before the service ran', async () => {
    const job = await start('2026-03-04T02:00:00Z');
    expect(job.lateOutcomes).toEqual([]);
    expect((await weeks()).map((w) => [w.iso_week, w.drawn_late])).toEqual([['2026-W10', false]]);
  });

  it('after a three-week outage draws the two missed weeks from their own rosters, marked late with the reason, then the current week', async () => {
    // Wednesday of 2026-W13: W11 and W12 passed while the service was down.
    const job = await start('2026-03-25T01:00:00Z');
    expect(job.lateOutcomes.map((o) => [o.status, o.week])).toEqual([
      ['drawn', '2026-W11'],
      ['drawn', '2026-W12'],
    ]);
    const all = await weeks();
    expect(all.map((w) => [w.iso_week, w.trigger, w.drawn_late])).toEqual([
      ['2026-W10', 'catch_up', false],
      ['2026-W11', 'catch_up', true],
      ['2026-W12', 'catch_up', true],
      ['2026-W13', 'catch_up', false],
    ]);
    const [, w11, w12, w13] = all;
    expect(w11.late_reason).toBe(
      'the service was not running when 2026-W11 began; drawn at start on 2026-03-25T01:00:00.000Z',
    );
    expect(w13.late_reason).toBeNull();
    // Each week's roster is the fleet as it stood when that week began, not today's.
    expect([w11.roster.includes(retiredCar), w11.roster.includes(lateCar), w11.active_count]).toEqual([
      true,
      false,
      12,
    ]);
    expect([w12.roster.includes(retiredCar), w12.roster.includes(lateCar), w12.active_count]).toEqual([
      false,
      true,
      12,
    ]);
    expect([w13.roster.includes(retiredCar), w13.roster.includes(lateCar)]).toEqual([false, true]);
    // Each week's items carry the trips of the week before it, as a draw on time would have.
    const item = async (week: string) =>
      (await api.http.get(`/api/v1/audits/${week}`).set('Authorization', `Bearer ${inspector}`).expect(200)).body;
    const trackedTrips = (body: {
      items: { vehicleId: string; previousWeek: { trips: number; distanceKm: number } }[];
    }) => body.items.find((i) => i.vehicleId === tracked)!.previousWeek;
    const w11Body = await item('2026-W11');
    expect(w11Body).toMatchObject({ drawnLate: true, lateReason: expect.stringContaining('2026-W11') });
    expect(trackedTrips(w11Body)).toMatchObject({ trips: 1, distanceKm: 12 });
    expect(trackedTrips(await item('2026-W12'))).toMatchObject({ trips: 2, distanceKm: 24 });
    // The listing names no missed week any more and shows which were drawn late.
    clock.set('2026-03-25T01:00:00Z');
    const list = await api.http.get('/api/v1/audits').set('Authorization', `Bearer ${inspector}`).expect(200);
    expect(list.body.missedWeeks).toEqual([]);
    expect(list.body.weeks.map((w: { week: string; drawnLate: boolean }) => [w.week, w.drawnLate])).toEqual([
      ['2026-W13', false],
      ['2026-W12', true],
      ['2026-W11', true],
      ['2026-W10', false],
    ]);
  });

  it.each(['2026-W11', '2026-W12'])('verifies late week %s from its seed and roster like any other', async (week) => {
    const res = await api.http
      .get(`/api/v1/audits/${week}/verify`)
      .set('Authorization', `Bearer ${inspector}`)
      .expect(200);
    expect(res.body).toMatchObject({ week, drawnLate: true, verified: true });
    expect(Object.values(res.body.checks).every(Boolean)).toBe(true);
  });

  it('does not draw a week again at the next start', async () => {
    const job = await start('2026-03-26T01:00:00Z');
    expect(job.lateOutcomes).toEqual([]);
    expect((await weeks()).map((w) => w.iso_week)).toEqual(['2026-W10', '2026-W11', '2026-W12', '2026-W13']);
  });

  it('goes back no further than AUDIT_CATCH_UP_WEEKS and lists the older gap as missed', async () => {
    // Wednesday of 2026-W19 after a five-week outage (W14–W18), with a limit of 2.
    const job = await start('2026-05-06T02:00:00Z', { AUDIT_CATCH_UP_WEEKS: '2' });
    expect(job.lateOutcomes.map((o) => o.week)).toEqual(['2026-W17', '2026-W18']);
    expect((await weeks()).map((w) => w.iso_week).slice(-3)).toEqual(['2026-W17', '2026-W18', '2026-W19']);
    const list = await api.http.get('/api/v1/audits').set('Authorization', `Bearer ${inspector}`).expect(200);
    expect(list.body.missedWeeks).toEqual(['2026-W16', '2026-W15', '2026-W14']);
  });

  it('defaults the limit to 8 weeks and refuses one that is not a whole number of weeks', () => {
    expect(loadConfig({}).auditCatchUpWeeks).toBe(8);
    expect(() => loadConfig({ AUDIT_CATCH_UP_WEEKS: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ AUDIT_CATCH_UP_WEEKS: '-1' })).toThrow(/AUDIT_CATCH_UP_WEEKS/);
  });
});
