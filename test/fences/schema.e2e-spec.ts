import { DataSource } from 'typeorm';
import { dataSourceOptions, MIGRATIONS } from '#app/db';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const TABLES = ['calendar_days', 'calendar_years', 'dispatch_orders', 'fences'];

describe('fences, calendar and dispatch-order schema', () => {
  let database: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    database = await createTestDatabase();
    ds = new DataSource({ ...dataSourceOptions(database.url), extra: { max: 3 } });
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await database.drop();
  });

  const tables = async () =>
    (
      (await ds.query(`SELECT tablename FROM pg_tables WHERE tablename = ANY($1) ORDER BY tablename`, [TABLES])) as {
        tablename: string;
      }[]
    ).map((r) => r.tablename);

  it('drops its tables on down() and brings them back on up()', async () => {
    expect(await tables()).toEqual(TABLES);
    const runner = ds.createQueryRunner();
    try {
      const Migration = MIGRATIONS.find((m) => m.name === 'FencesCalendarDispatch1764100003000')!;
      const migration = new Migration();
      await migration.down(runner);
      expect(await tables()).toEqual([]);
      await migration.up(runner);
      expect(await tables()).toEqual(TABLES);
    } finally {
      await runner.release();
    }
  });

  it('refuses a circle without radius and an ended order without its end time', async () => {
    await expect(
      ds.query(
        `INSERT INTO fences (name, kind, coordinate_system, shape_type, source_geometry, geometry)
         VALUES ('x', 'forbidden', 'WGS84', 'circle', '{}', '{}')`,
      ),
    ).rejects.toThrow(/check constraint/);
    const unit = await ds.query(`INSERT INTO units (name, vehicle_quota) VALUES ('u', 1) RETURNING id`);
    const car = await ds.query(
      `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id) VALUES ('苏N1', '苏N1', 'general', $1) RETURNING id`,
      [unit[0].id],
    );
    await expect(
      ds.query(
        `INSERT INTO dispatch_orders (unit_id, vehicle_id, driver, purpose, start_time, end_time, destination, status, requested_by)
         VALUES ($1, $2, 'd', 'p', now(), now() + interval '1 hour', 'x', 'ended', 'clerk')`,
        [unit[0].id, car[0].id],
      ),
    ).rejects.toThrow(/check constraint/);
  });
});
