import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Turns positions into a TimescaleDB hypertable with compression and retention when the extension can be
 * loaded; on plain PostgreSQL (and PostgreSQL-compatible databases) the table stays as it is.
 */
export class Timescale1764100000001 implements MigrationInterface {
  name = 'Timescale1764100000001';

  async up(q: QueryRunner): Promise<void> {
    const available: unknown[] = await q.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
    if (available.length === 0) return;
    // The extension may be installed but not preloaded; then it cannot be created and we stay plain.
    await q.query('SAVEPOINT timescale');
    try {
      await q.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    } catch {
      await q.query('ROLLBACK TO SAVEPOINT timescale');
      return;
    }
    await q.query(
      `SELECT create_hypertable('positions', 'fix_time', chunk_time_interval => INTERVAL '1 day', migrate_data => true)`,
    );
    await q.query(`
      ALTER TABLE positions SET (
        timescaledb.compress,
        timescaledb.compress_segmentby = 'terminal_id',
        timescaledb.compress_orderby = 'fix_time DESC'
      )`);
    await q.query(`SELECT add_compression_policy('positions', INTERVAL '7 days')`);
    // Evidence for discipline cases must outlive the usual review periods.
    await q.query(`SELECT add_retention_policy('positions', INTERVAL '3 years')`);
  }

  async down(q: QueryRunner): Promise<void> {
    const installed: unknown[] = await q.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
    if (installed.length === 0) return;
    await q.query(`SELECT remove_retention_policy('positions', if_exists => true)`);
    await q.query(`SELECT remove_compression_policy('positions', if_exists => true)`);
    // A hypertable cannot be turned back in place: copy it into a plain table.
    await q.query(`CREATE TABLE positions_plain (LIKE positions INCLUDING DEFAULTS)`);
    await q.query(`INSERT INTO positions_plain SELECT * FROM positions`);
    await q.query(`DROP TABLE positions`);
    await q.query(`ALTER TABLE positions_plain RENAME TO positions`);
    await q.query(`ALTER TABLE positions ADD PRIMARY KEY (terminal_id, fix_time)`);
    await q.query(`CREATE INDEX positions_vehicle_time ON positions (vehicle_id, fix_time DESC)`);
  }
}
