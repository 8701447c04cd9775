import type { INestMicroservice } from '@nestjs/common';
import pg from 'pg';
import { createDetectorApp } from '../../apps/detector/src/detector.app.js';
import { DetectionEngine } from '../../apps/detector/src/detection/detection.engine.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { ORIGIN, seedCar, seedFence, squareAround, standAt, storePositions } from './detector-fixture.js';

describe('voice prompt as an automatic action of the forbidden-venue rule', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let detector: INestMicroservice;
  let engine: DetectionEngine;
  const venue = { lat: ORIGIN.lat + 0.03, lon: ORIGIN.lon + 0.01 };
  const PROMPT = '请勿驶入禁入区域';

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
    await seedFence(db, 'KTV', 'forbidden', squareAround(venue, 60));
    await db.query(`INSERT INTO settings (key, value) VALUES ('rules.parameters', $1)`, [
      JSON.stringify({ forbiddenVenuePrompt: PROMPT }),
    ]);
  });

  /** The detector reads the fleet when it starts: started after the car is seeded, as in the other tests. */
  async function detect(): Promise<void> {
    const cfg = testConfig(database.url);
    detector = await createDetectorApp(cfg, testInfrastructure(cfg), {
      catchUpMs: 0,
      silentSweepMs: 0,
      contextRefreshMs: 0,
      statePersistMs: 0,
    });
    await detector.listen();
    engine = detector.get(DetectionEngine);
    await engine.catchUp();
    await detector.close();
  }

  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  const commands = (vehicleId: string) =>
    db
      .query('SELECT id, kind, params, status, requested_by FROM terminal_commands WHERE vehicle_id = $1', [vehicleId])
      .then((r) => r.rows);

  it('queues the configured prompt for the car’s terminal when its stay in a forbidden fence is raised, and records it', async () => {
    const car = await seedCar(db);
    // Twelve minutes at the KTV, up to a minute ago.
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 13 * 60_000;
    await storePositions(db, car, [...standAt(start - 120_000, 2, 60, ORIGIN), ...standAt(start, 13, 60, venue)]);
    await detect();
    const found = await db.query(`SELECT rule FROM violations WHERE vehicle_id = $1`, [car.vehicleId]);
    expect(found.rows.map((r) => r.rule)).toContain('forbidden_venue');
    const queued = await commands(car.vehicleId);
    expect(queued).toEqual([
      expect.objectContaining({
        kind: 'text',
        params: { text: PROMPT, tts: true },
        status: 'queued',
        requested_by: 'system:detector',
      }),
    ]);
    const history = await db.query(`SELECT action, actor FROM history WHERE entity_id = $1`, [queued[0].id]);
    expect(history.rows).toEqual([{ action: 'requested', actor: 'system:detector' }]);
  });

  it('sends nothing for a stay found in old data (a blind-area upload of yesterday)', async () => {
    const car = await seedCar(db);
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 26 * 3_600_000;
    await storePositions(db, car, [...standAt(start - 120_000, 2, 60, ORIGIN), ...standAt(start, 13, 60, venue)], true);
    await detect();
    const found = await db.query(`SELECT rule FROM violations WHERE vehicle_id = $1`, [car.vehicleId]);
    expect(found.rows.map((r) => r.rule)).toContain('forbidden_venue');
    expect(await commands(car.vehicleId)).toEqual([]);
  });
});
