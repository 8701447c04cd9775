import { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per terminal with its latest accepted position and link state, so the live map never scans positions. */
export class LiveState1764100000003 implements MigrationInterface {
  name = 'LiveState1764100000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE vehicle_live (
        terminal_id text PRIMARY KEY,
        vehicle_id uuid,
        fix_time timestamptz,
        received_at timestamptz,
        lat double precision,
        lon double precision,
        speed_kmh real,
        heading_deg smallint,
        ignition boolean,
        alarm_flags bigint,
        valid boolean,
        online boolean NOT NULL DEFAULT false,
        online_changed_at timestamptz
      )`);
    await q.query(`CREATE INDEX vehicle_live_vehicle ON vehicle_live (vehicle_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS vehicle_live');
  }
}
