import type { INestMicroservice } from '@nestjs/common';
import pg from 'pg';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import { PartitionLeases } from '../../apps/detector/src/partitions/partition-leases.js';
import { waitFor } from '../ingest/support/fleet.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { driveAndPark, local, seedCar, storePositions } from './detector-fixture.js';

/**
 * The leases that keep two detectors off one car, against PostgreSQL: a detector whose partitions another has
 * taken writes nothing more for them, and resumes them only by taking them again.
 */
describe('detector partition leases', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  const apps: INestMicroservice[] = [];

  async function startDetector(env: Record<string, string> = {}): Promise<INestMicroservice> {
    // A long lease: the leases change here only when the test says so.
    const cfg = testConfig(database.url, { DETECTOR_LEASE_SECONDS: '600', ...env });
    const app = await createDetectorApp(cfg, testInfrastructure(cfg), {
      catchUpMs: 0,
      silentSweepMs: 0,
      contextRefreshMs: 0,
      statePersistMs: 0,
    });
    apps.push(app);
    await app.listen();
    return app;
  }
  const violations = (vehicleId: string) =>
    db
      .query<{ rule: string; start_time: Date }>('SELECT rule, start_time FROM violations WHERE vehicle_id = $1', [
        vehicleId,
      ])
      .then((r) => r.rows);

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });
  afterAll(async () => {
    await db.end();
    await database.drop();
  });

  it('takes every partition alone, and gives them back when it stops', async () => {
    const app = await startDetector();
    const leases = app.get(PartitionLeases);
    expect(leases.heldPartitions()).toEqual(Array.from({ length: 16 }, (_, i) => i));
    const { rows } = await db.query<{ owner: string; live: boolean }>(
      'SELECT DISTINCT owner, expires_at > now() AS live FROM detector_leases',
    );
    expect(rows).toEqual([{ owner: leases.owner, live: true }]);
    await app.close();
    apps.splice(0);
    const after = await db.query('SELECT 1 FROM detector_leases WHERE owner IS NOT NULL OR expires_at > now()');
    expect(after.rows).toEqual([]);
  });

  it('writes nothing for a partition another detector took, and raises its findings once after taking it again', async () => {
    const car = await seedCar(db);
    const app = await startDetector();
    const engine = app.get(DetectionEngine);
    const leases = app.get(PartitionLeases);
    const partition = leases.partitionOf(car.vehicleId);
    // Another detector takes the car's partition (as after this one stalled past its lease), unknown to this one.
    await db.query(
      `UPDATE detector_leases SET owner = 'another-detector', token = nextval('detector_lease_tokens'),
              expires_at = now() + interval '10 minutes' WHERE partition = $1`,
      [partition],
    );
    await storePositions(db, car, driveAndPark(local('2026-11-19 20:00:00'), 31, 10, 40));
    await engine.catchUp();
    expect(engine.stats.fenced).toBe(1);
    expect(await violations(car.vehicleId)).toEqual([]);
    const state = await db.query('SELECT 1 FROM detector_vehicle_state WHERE vehicle_id = $1', [car.vehicleId]);
    expect(state.rows).toEqual([]);
    // The refused commit made it look at its leases: the partition is gone, the others are still its own.
    await waitFor(
      async () => leases.heldPartitions(),
      (held) => !held.includes(partition),
    );
    expect(leases.heldPartitions()).toHaveLength(15);

    // The other detector stops; this one takes the partition back and catches its car up from the table.
    await db.query(`UPDATE detector_leases SET owner = NULL, expires_at = '-infinity' WHERE partition = $1`, [
      partition,
    ]);
    leases.checkSoon();
    const found = await waitFor(
      () => violations(car.vehicleId),
      (rows) => rows.length > 0,
    );
    expect(found.map((v) => [v.rule, v.start_time.getTime()])).toEqual([['off_hours', local('2026-11-19 20:00:00')]]);
    expect(leases.heldPartitions()).toHaveLength(16);
  });

  it('refuses to start with another partition count while detectors hold leases', async () => {
    await startDetector();
    await expect(startDetector({ DETECTOR_PARTITIONS: '8' })).rejects.toThrow(
      /DETECTOR_PARTITIONS is 8, but running detectors share the cars in 16 partitions/,
    );
  });
});
