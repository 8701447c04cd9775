import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The detector writes a car's state as a checkpoint every thousand or so positions instead of every couple of
 * seconds, and packed: the rules' state as deflated JSON and the recent-positions buffer as varint deltas
 * (apps/detector/src/detection/state-codec.ts). The jsonb columns stay readable for rows written before.
 */
export class DetectorPackedState1764100021000 implements MigrationInterface {
  name = 'DetectorPackedState1764100021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE detector_vehicle_state ADD COLUMN state_packed bytea, ADD COLUMN recent_packed bytea`);
    await q.query(`ALTER TABLE detector_vehicle_state ALTER COLUMN state DROP NOT NULL`);
    await q.query(`ALTER TABLE detector_checkpoints ADD COLUMN state_packed bytea`);
    await q.query(`ALTER TABLE detector_checkpoints ALTER COLUMN state DROP NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Packed rows cannot be unpacked in SQL: those cars are evaluated again from their first position (findings,
    // cases and trips are idempotent, so nothing is raised twice).
    await q.query(`DELETE FROM detector_checkpoints WHERE state IS NULL`);
    await q.query(`DELETE FROM detector_vehicle_state WHERE state IS NULL`);
    await q.query(`ALTER TABLE detector_checkpoints ALTER COLUMN state SET NOT NULL`);
    await q.query(`ALTER TABLE detector_checkpoints DROP COLUMN state_packed`);
    await q.query(`ALTER TABLE detector_vehicle_state ALTER COLUMN state SET NOT NULL`);
    await q.query(`ALTER TABLE detector_vehicle_state DROP COLUMN recent_packed, DROP COLUMN state_packed`);
  }
}
