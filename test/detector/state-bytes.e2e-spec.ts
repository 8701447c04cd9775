import type { INestMicroservice } from '@nestjs/common';
import pg from 'pg';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { asHandoff, driveEast, local, seedCar, storePositions, type Fix, type SeededCar } from './detector-fixture.js';

const CARS = 4;
const POSITIONS = 3_000;
const PER_MESSAGE = 50;

/**
 * What the detector writes of its state, counted in bytes (not time): cars driving at night through the hand-off,
 * an antenna-cut alarm (a finding) every 100 fixes. The state is saved as a packed checkpoint every 1,000
 * positions, not with every cycle or finding.
 */
describe('the detector’s saved state per position', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let detector: INestMicroservice | null = null;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
  });
  afterAll(async () => {
    await detector?.close();
    await db.end();
    await database.drop();
  });

  it('writes at most 10 bytes of state per position evaluated, one checkpoint per 1,000 positions', async () => {
    const cars: SeededCar[] = [];
    for (let i = 0; i < CARS; i++) cars.push(await seedCar(db));
    // Thursday 2026-11-19 from 22:00, a fix every 2 s at 40 km/h, an alarm rising every 100 fixes.
    const drive: Fix[] = driveEast(local('2026-11-19 22:00:00'), POSITIONS, 2, 40).map((f, i) =>
      i % 100 === 50 ? { ...f, alarm: 1 << 5 } : f,
    );
    for (const car of cars) await storePositions(db, car, drive);
    const cfg = testConfig(database.url);
    detector = await createDetectorApp(cfg, testInfrastructure(cfg), {
      catchUpMs: 0,
      silentSweepMs: 0,
      contextRefreshMs: 0,
      // Only the count of positions decides here (a car going quiet would also save it).
      idleCheckpointMs: 0,
      commitMarginSeconds: 1,
    });
    await detector.listen();
    const engine = detector.get(DetectionEngine);

    // A first day read from the table in one cycle per car: the car's first state is saved.
    engine.notify(cars.map((c) => c.vehicleId));
    await engine.idle();
    const firstEvaluation = { ...engine.stats };
    expect(firstEvaluation.checkpoints).toBe(CARS);
    const watermark = await db.query<{ watermark: Date }>(
      'SELECT min(watermark) AS watermark FROM detector_vehicle_state WHERE vehicle_id = ANY($1)',
      [cars.map((c) => c.vehicleId)],
    );
    expect(watermark.rows[0].watermark.getTime()).toBe(drive[drive.length - 1].t);
    expect(firstEvaluation.positions).toBe(CARS * POSITIONS);

    // A second day as the gateway brings it: each message of 50 fixes per car committed, then handed off; the
    // catch-up (every 30 s in production, here every 10 messages with a 1 s commit margin) reads the table
    // behind it and finds nothing new. The buffer of positions a read overlapping the last one would see again
    // then holds the last second of them, not the whole day.
    const nextDay = drive.map((f) => ({ ...f, t: f.t + 86_400_000 }));
    for (let i = 0; i < POSITIONS; i += PER_MESSAGE) {
      const message = nextDay.slice(i, i + PER_MESSAGE);
      for (const car of cars) await storePositions(db, car, message);
      const receivedAt = Date.now();
      engine.handoff(cars.flatMap((car) => message.map((f) => asHandoff(car, f, receivedAt))));
      await engine.idle();
      if ((i / PER_MESSAGE) % 10 === 9) await engine.catchUp();
    }
    expect(engine.stats.replays).toBe(0);
    const positions = engine.stats.positions - firstEvaluation.positions;
    const bytes = engine.stats.stateBytes - firstEvaluation.stateBytes;
    const checkpoints = engine.stats.checkpoints - firstEvaluation.checkpoints;
    expect(positions).toBe(CARS * POSITIONS);
    expect(checkpoints).toBe(CARS * (POSITIONS / 1_000));
    // Findings were raised on the way, without a state write of their own.
    expect(engine.stats.raised - firstEvaluation.raised).toBeGreaterThanOrEqual(CARS * (POSITIONS / 100));
    expect(bytes / positions).toBeLessThanOrEqual(10);
    // What the table holds per car: the packed state and buffer of its last checkpoint, under 10 B per position
    // of the 1,000 it stands for.
    const { rows } = await db.query<{ n: number }>(
      `SELECT max(octet_length(state_packed) + octet_length(recent_packed))::int AS n FROM detector_vehicle_state
        WHERE vehicle_id = ANY($1)`,
      [cars.map((c) => c.vehicleId)],
    );
    expect(rows[0].n).toBeLessThan(10 * 1_000);
  }, 120_000);
});
