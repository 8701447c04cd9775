import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a terminal was last heard from, whatever it sent (a position, a status, a JT/T 808 heartbeat): a car
 * is online until OFFLINE_AFTER_SECONDS have passed since then, not since its last position.
 */
export class HeardAt1764100015000 implements MigrationInterface {
  name = 'HeardAt1764100015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vehicle_live ADD COLUMN heard_at timestamptz`);
    await q.query(`UPDATE vehicle_live SET heard_at = GREATEST(received_at, online_changed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vehicle_live DROP COLUMN heard_at`);
  }
}
