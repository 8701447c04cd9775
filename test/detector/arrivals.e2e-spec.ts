import pg from 'pg';
import { anyReceivedSince, loadArrived } from '../../apps/detector/src/detection/detection.store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { seedCar, type SeededCar } from './detector-fixture.js';

const S = Date.parse('2026-11-20T08:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * What arrived for a car since a read: found in two parts (on time through the fix-time index, late through the
 * partial index of late arrivals), which together must be exactly "received after since".
 */
describe('detector: positions received since the last read', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let car: SeededCar;
  let onlyOnTime: SeededCar;

  const store = async (c: SeededCar, rows: [fix: number, received: number][]) => {
    for (const [fix, received] of rows) {
      await db.query(
        `INSERT INTO positions (terminal_id, fix_time, vehicle_id, received_at, lat, lon) VALUES ($1, $2, $3, $4, 33.96, 118.33)`,
        [c.terminalId, new Date(fix), c.vehicleId, new Date(received)],
      );
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    car = await seedCar(db);
    onlyOnTime = await seedCar(db);
    await store(car, [
      [S - 10 * MINUTE, S - 5 * SECOND], // received before the read
      [S + SECOND, S + 2 * SECOND], // on time
      [S - 59 * SECOND, S + SECOND], // exactly a minute late: still on time
      [S - 61 * SECOND, S + SECOND], // just over a minute late
      [S - 2 * 3_600_000, S + 10 * SECOND], // a blind-area fix two hours old
      [S + 30 * SECOND, S + 3 * SECOND], // a fix stamped after its arrival (terminal clock ahead)
      [S - 30 * SECOND, S - SECOND], // received before the read
      [S - 3 * 3_600_000, S - MINUTE], // late, but received before the read
    ]);
    await store(onlyOnTime, [[S + 4 * SECOND, S + 5 * SECOND]]);
  });

  afterAll(async () => {
    await db?.end();
    await database?.drop();
  });

  const arrivedFixes = async (since: number, limit: number) => {
    const [arrived] = await loadArrived(db, new Map([[car.vehicleId, new Date(since)]]), limit);
    return arrived.positions.map((p) => p.t - S);
  };

  it('finds exactly what was received after the read, on time and late, in fix-time order', async () => {
    expect(await arrivedFixes(S, 100)).toEqual([-2 * 3_600_000, -61 * SECOND, -59 * SECOND, SECOND, 30 * SECOND]);
  });

  it('keeps the earliest fixes when more arrived than one read takes', async () => {
    expect(await arrivedFixes(S, 3)).toEqual([-2 * 3_600_000, -61 * SECOND, -59 * SECOND]);
  });

  it('reads nothing for a car with nothing received after the read', async () => {
    expect(await arrivedFixes(S + 10 * SECOND, 100)).toEqual([]);
  });

  it('tells whether anything arrived after a time, through either part', async () => {
    const any = async (c: SeededCar, since: number) =>
      (
        await db.query<{ any: boolean }>(`SELECT ${anyReceivedSince('$1::uuid', '$2::timestamptz')} AS any`, [
          c.vehicleId,
          new Date(since),
        ])
      ).rows[0].any;
    expect(await any(car, S + 9 * SECOND)).toBe(true); // only the late blind-area fix
    expect(await any(car, S + 10 * SECOND)).toBe(false);
    expect(await any(onlyOnTime, S + 4 * SECOND)).toBe(true);
    expect(await any(onlyOnTime, S + 5 * SECOND)).toBe(false);
  });
});
