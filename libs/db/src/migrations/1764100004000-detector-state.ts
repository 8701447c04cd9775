import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the detector needs to resume after a crash and to re-evaluate late data: per car, how far it has
 * evaluated (watermark = fix time of the last position evaluated, read_at = database time of its last read)
 * with the rules' state at that point, and hourly snapshots of that state to replay from.
 */
export class DetectorState1764100004000 implements MigrationInterface {
  name = 'DetectorState1764100004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE detector_vehicle_state (
        vehicle_id uuid PRIMARY KEY REFERENCES vehicles (id),
        watermark timestamptz,
        read_at timestamptz NOT NULL,
        recent_positions_ms bigint[] NOT NULL DEFAULT '{}',
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE detector_checkpoints (
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        at timestamptz NOT NULL,
        state jsonb NOT NULL,
        PRIMARY KEY (vehicle_id, at)
      )`);
    // Finds what arrived for a car since the detector last looked, late blind-area data included.
    await q.query(`CREATE INDEX positions_vehicle_received ON positions (vehicle_id, received_at)`);
    await q.query(`CREATE INDEX trips_time ON trips (start_time DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS trips_time');
    await q.query('DROP INDEX IF EXISTS positions_vehicle_received');
    await q.query('DROP TABLE IF EXISTS detector_checkpoints');
    await q.query('DROP TABLE IF EXISTS detector_vehicle_state');
  }
}
