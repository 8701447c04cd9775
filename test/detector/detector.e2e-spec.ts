import type { INestMicroservice } from '@nestjs/common';
import pg from 'pg';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import type { DetectorOptions } from '../../apps/detector/src/detection/detector.options.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import {
  asHandoff,
  driveAndPark,
  driveEast,
  local,
  ORIGIN,
  seedCar,
  seedFence,
  squareAround,
  standAt,
  storePositions,
  type SeededCar,
} from './detector-fixture.js';

describe('detector against PostgreSQL and the broker', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let detector: INestMicroservice | null = null;
  const config = () => testConfig(database.url);

  async function startDetector(options: Partial<DetectorOptions> = {}): Promise<DetectionEngine> {
    const cfg = config();
    detector = await createDetectorApp(cfg, testInfrastructure(cfg), {
      catchUpMs: 0,
      silentSweepMs: 0,
      contextRefreshMs: 0,
      statePersistMs: 0,
      ...options,
    });
    await detector.listen();
    return detector.get(DetectionEngine);
  }
  async function stopDetector(): Promise<void> {
    await detector?.close();
    detector = null;
  }
  const violations = (car: SeededCar) =>
    db
      .query<{
        rule: string;
        kind: string;
        start_time: Date;
        end_time: Date;
        case_id: string | null;
        evidence: Record<string, unknown>;
      }>(
        'SELECT rule, kind, start_time, end_time, case_id, evidence FROM violations WHERE vehicle_id = $1 ORDER BY start_time',
        [car.vehicleId],
      )
      .then((r) => r.rows);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
  });
  afterEach(stopDetector);
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  it('raises an off-hours trip once, opens a case for it and stores the trip', async () => {
    const car = await seedCar(db);
    // Thursday 2026-11-19, 20:00: ten minutes at 40 km/h, then parked.
    const drive = driveEast(local('2026-11-19 20:00:00'), 61, 10, 40);
    const last = drive[drive.length - 1];
    await storePositions(db, car, [...drive, ...standAt(last.t + 60_000, 10, 60, last)]);
    const engine = await startDetector();
    await engine.catchUp();
    const found = await violations(car);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: 'off_hours', kind: 'violation' });
    expect(found[0].start_time.getTime()).toBe(local('2026-11-19 20:00:00'));
    expect(found[0].end_time.getTime()).toBe(local('2026-11-19 20:10:00'));
    const cases = await db.query('SELECT rule, local_day::text AS day, status FROM cases WHERE id = $1', [
      found[0].case_id,
    ]);
    expect(cases.rows).toEqual([{ rule: 'off_hours', day: '2026-11-19', status: 'open' }]);
    const trips = await db.query<{ distance_m: number; off_hours_distance_m: number }>(
      'SELECT distance_m, off_hours_distance_m FROM trips WHERE vehicle_id = $1',
      [car.vehicleId],
    );
    expect(trips.rows).toHaveLength(1);
    expect(trips.rows[0].distance_m).toBeGreaterThan(6500);
    expect(trips.rows[0].off_hours_distance_m).toBeCloseTo(trips.rows[0].distance_m, 0);
  });

  it('raises nothing twice when the same cars are announced again and the positions arrive twice', async () => {
    const car = await seedCar(db);
    const drive = driveEast(local('2026-11-19 21:00:00'), 20, 10, 50);
    await storePositions(db, car, drive);
    const engine = await startDetector();
    await engine.catchUp();
    await storePositions(db, car, drive); // the gateway ignores the duplicates
    engine.notify([car.vehicleId]);
    engine.notify([car.vehicleId]);
    await engine.idle();
    await engine.catchUp();
    expect((await violations(car)).map((v) => v.rule)).toEqual(['off_hours']);
  });

  it('joins a second violation of the same rule and day to the open case', async () => {
    const car = await seedCar(db);
    const first = driveAndPark(local('2026-11-19 06:00:00'), 20, 10, 50);
    const second = driveAndPark(local('2026-11-19 19:00:00'), 20, 10, 50, 5000);
    await storePositions(db, car, [...first, ...second]);
    const engine = await startDetector();
    await engine.catchUp();
    const found = await violations(car);
    expect(found).toHaveLength(2);
    expect(found[0].case_id).not.toBeNull();
    expect(found[1].case_id).toBe(found[0].case_id);
    const history = await db.query(`SELECT action FROM history WHERE entity_id = $1 ORDER BY seq`, [found[0].case_id]);
    expect(history.rows.map((r) => r.action)).toEqual(['opened', 'violation_added']);
  });

  it('finds a misuse inside a late blind-area batch, re-evaluating from before it without repeating anything', async () => {
    const car = await seedCar(db);
    const venue = { lat: ORIGIN.lat + 0.02, lon: ORIGIN.lon };
    await seedFence(db, 'Late-night club', 'forbidden', squareAround(venue, 60));
    // Live: parked away from the club at 15:00 and 16:30 (nothing between: the car was in a blind area).
    const away = { lat: ORIGIN.lat, lon: ORIGIN.lon };
    await storePositions(db, car, standAt(local('2026-11-19 15:00:00'), 2, 60, away));
    await storePositions(db, car, standAt(local('2026-11-19 16:30:00'), 2, 60, away));
    // An off-hours drive in the evening, already evaluated before the late batch arrives.
    await storePositions(db, car, driveEast(local('2026-11-19 19:00:00'), 20, 10, 50));
    const engine = await startDetector();
    await engine.catchUp();
    expect((await violations(car)).map((v) => v.rule)).toEqual(['off_hours']);
    // The blind-area re-upload: 30 minutes at the club, 15:20–15:50.
    await storePositions(db, car, standAt(local('2026-11-19 15:20:00'), 31, 60, venue), true);
    await engine.catchUp();
    const found = await violations(car);
    expect(found.map((v) => v.rule)).toEqual(['forbidden_venue', 'off_hours']);
    expect(found[0].start_time.getTime()).toBe(local('2026-11-19 15:20:00'));
    expect(found[0].evidence).toMatchObject({ fence: { name: 'Late-night club', kind: 'forbidden' } });
    expect(engine.stats.replays).toBeGreaterThan(0);
  });

  it('resumes after a restart in the middle of a stream: the episode across the restart is raised once', async () => {
    const car = await seedCar(db);
    const drive = driveEast(local('2026-11-19 22:00:00'), 61, 10, 40);
    await storePositions(db, car, drive.slice(0, 30));
    let engine = await startDetector();
    await engine.catchUp();
    expect(await violations(car)).toHaveLength(1);
    await stopDetector();
    // While the detector is down the rest of the drive and the parking arrive.
    const last = drive[drive.length - 1];
    await storePositions(db, car, [...drive.slice(30), ...standAt(last.t + 60_000, 10, 60, last)]);
    engine = await startDetector(); // catches up at start
    await engine.idle();
    const found = await violations(car);
    expect(found).toHaveLength(1);
    expect(found[0].end_time.getTime()).toBe(local('2026-11-19 22:10:00'));
    const trips = await db.query('SELECT start_time FROM trips WHERE vehicle_id = $1', [car.vehicleId]);
    expect(trips.rows).toHaveLength(1);
    const wm = await db.query<{ watermark: Date }>(
      'SELECT watermark FROM detector_vehicle_state WHERE vehicle_id = $1',
      [car.vehicleId],
    );
    expect(wm.rows[0].watermark.getTime()).toBe(last.t + 60_000 + 9 * 60_000);
  });

  it('evaluates hand-off positions at once and, when a hand-off message was lost, re-evaluates at the next catch-up', async () => {
    const car = await seedCar(db);
    const moving = driveAndPark(local('2026-11-19 23:00:00'), 61, 10, 40);
    const parked = moving[moving.length - 1];
    const drive = [...moving, ...standAt(parked.t + 60_000, 10, 60, parked)];
    await storePositions(db, car, drive.slice(0, 20));
    const engine = await startDetector();
    await engine.catchUp();
    await storePositions(db, car, drive.slice(20));
    const handed = (fixes: typeof drive) => fixes.map((f) => asHandoff(car, f));
    // The message carrying 23:05:00–23:05:40 is lost; the rest arrive.
    engine.handoff(handed(drive.slice(20, 30)));
    engine.handoff(handed(drive.slice(35)));
    await engine.idle();
    const replaysBefore = engine.stats.replays;
    await engine.catchUp();
    expect(engine.stats.replays).toBe(replaysBefore + 1);
    const found = await violations(car);
    expect(found).toHaveLength(1);
    expect(found[0].end_time.getTime()).toBe(local('2026-11-19 23:10:00'));
    const trips = await db.query<{ distance_m: number }>('SELECT distance_m FROM trips WHERE vehicle_id = $1', [
      car.vehicleId,
    ]);
    expect(trips.rows).toHaveLength(1);
    expect(Math.abs(trips.rows[0].distance_m - (600 * 40) / 3.6)).toBeLessThan(20);
  });

  it('works through a backlog larger than one cycle page by page, late data included', async () => {
    const car = await seedCar(db);
    const moving = driveAndPark(local('2026-11-20 21:00:00'), 61, 10, 40);
    const parked = moving[moving.length - 1];
    const drive = [...moving, ...standAt(parked.t + 60_000, 10, 60, parked)];
    await storePositions(db, car, [...drive.slice(0, 20), ...drive.slice(30)]);
    const engine = await startDetector({ positionsPerVehicle: 7 });
    await engine.catchUp();
    await storePositions(db, car, drive.slice(20, 30), true);
    await engine.catchUp();
    const found = await violations(car);
    expect(found.map((v) => [v.rule, v.start_time.getTime(), v.end_time.getTime()])).toEqual([
      ['off_hours', local('2026-11-20 21:00:00'), local('2026-11-20 21:10:00')],
    ]);
    const wm = await db.query<{ watermark: Date }>(
      'SELECT watermark FROM detector_vehicle_state WHERE vehicle_id = $1',
      [car.vehicleId],
    );
    expect(wm.rows[0].watermark.getTime()).toBe(drive[drive.length - 1].t);
    const trips = await db.query('SELECT 1 FROM trips WHERE vehicle_id = $1', [car.vehicleId]);
    expect(trips.rows).toHaveLength(1);
  });

  it('keeps the end of a violation current while its episode goes on', async () => {
    const car = await seedCar(db);
    const drive = driveEast(local('2026-11-19 05:00:00'), 31, 10, 40);
    await storePositions(db, car, drive.slice(0, 10));
    const engine = await startDetector();
    await engine.catchUp();
    await storePositions(db, car, drive.slice(10));
    await engine.catchUp();
    const [found] = await violations(car);
    expect(found.end_time.getTime()).toBe(local('2026-11-19 05:05:00'));
    expect(found.evidence.to).toBe(new Date(local('2026-11-19 05:05:00')).toISOString());
  });

  it('raises a silent terminal once, however often the sweep runs', async () => {
    const car = await seedCar(db);
    await storePositions(db, car, standAt(Date.parse('2026-11-01T00:00:00Z'), 1, 60, ORIGIN));
    const engine = await startDetector();
    await engine.idle();
    const now = new Date('2026-11-05T00:00:00Z');
    expect(await engine.sweepSilent(now)).toBeGreaterThanOrEqual(1);
    await engine.sweepSilent(now);
    const silent = (await violations(car)).filter((v) => v.rule === 'terminal_silent');
    expect(silent).toHaveLength(1);
    expect(silent[0].start_time.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(silent[0].case_id).not.toBeNull();
  });
});
