import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * vehicle_live is rewritten for every terminal several times a minute. Leaving half of each page free lets
 * PostgreSQL update rows in place (HOT updates, no index entries), which keeps the gateway's per-flush
 * live-state upsert cheap.
 */
export class IngestLiveFillfactor1764100002000 implements MigrationInterface {
  name = 'IngestLiveFillfactor1764100002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE vehicle_live SET (fillfactor = 50)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE vehicle_live RESET (fillfactor)');
  }
}
