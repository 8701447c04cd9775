/**
 * How long raw positions are kept, and from what age TimescaleDB compresses them.
 *
 * On TimescaleDB both are the extension's own background jobs on the `positions` hypertable (a compression
 * policy and a retention policy that drops whole day-chunks); the service only sets their ages. On plain
 * PostgreSQL there is nothing to compress, and retention is a delete of the expired positions, car by car
 * along the primary key, in small batches so that it never holds many locks or a long transaction.
 */

/** What the policies should be; 0 turns one off (never compress, keep for ever). */
export interface PositionsLifecycle {
  compressAfterDays: number;
  retentionDays: number;
}

/** What the database does now. `null`: that policy is off (or, on plain PostgreSQL, compression is not there). */
export interface PositionsPolicies {
  engine: 'timescaledb' | 'postgresql';
  compressAfterDays: number | null;
  retentionDays: number | null;
}

/** The part of a pg client or pool, a TypeORM DataSource or a PGlite database this needs. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

async function rows<T>(db: Queryable, sql: string, params?: unknown[]): Promise<T[]> {
  const result = await db.query(sql, params);
  // pg and PGlite answer { rows }, TypeORM the rows themselves.
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Whether `positions` is a TimescaleDB hypertable in this database. */
export async function positionsOnTimescale(db: Queryable): Promise<boolean> {
  const found = await rows(
    db,
    `SELECT 1 FROM pg_extension e WHERE e.extname = 'timescaledb'
       AND EXISTS (SELECT 1 FROM timescaledb_information.hypertables h WHERE h.hypertable_name = 'positions')`,
  ).catch(() => []);
  return found.length > 0;
}

const DAY_SECONDS = 86_400;

/** An interval's length in whole days, as TimescaleDB's job config writes it ("7 days", "1096 days", "3 years"). */
async function days(db: Queryable, interval: string | null | undefined): Promise<number | null> {
  if (!interval) return null;
  const [row] = await rows<{ s: number }>(db, 'SELECT extract(epoch FROM $1::interval)::float8 AS s', [interval]);
  return Math.round(Number(row.s) / DAY_SECONDS);
}

/** The policies in force. */
export async function positionsPolicies(db: Queryable, plainRetentionDays?: number): Promise<PositionsPolicies> {
  if (!(await positionsOnTimescale(db))) {
    return { engine: 'postgresql', compressAfterDays: null, retentionDays: plainRetentionDays || null };
  }
  const jobs = await rows<{ proc_name: string; config: { compress_after?: string; drop_after?: string } }>(
    db,
    `SELECT proc_name, config FROM timescaledb_information.jobs
      WHERE hypertable_name = 'positions' AND proc_name IN ('policy_compression', 'policy_retention')`,
  );
  const of = (name: string) => jobs.find((j) => j.proc_name === name)?.config;
  return {
    engine: 'timescaledb',
    compressAfterDays: await days(db, of('policy_compression')?.compress_after),
    retentionDays: await days(db, of('policy_retention')?.drop_after),
  };
}

/**
 * Makes TimescaleDB's policies on `positions` what `want` says, changing only what differs (several processes
 * may start at once with the same settings). On plain PostgreSQL nothing is stored: the scheduler deletes.
 * Returns the policies in force afterwards.
 */
export async function applyPositionsPolicies(db: Queryable, want: PositionsLifecycle): Promise<PositionsPolicies> {
  const now = await positionsPolicies(db, want.retentionDays);
  if (now.engine === 'postgresql') return now;
  if (now.compressAfterDays !== (want.compressAfterDays || null)) {
    await db.query(`SELECT remove_compression_policy('positions', if_exists => true)`);
    if (want.compressAfterDays > 0) {
      await db.query(`SELECT add_compression_policy('positions', make_interval(days => $1::int))`, [
        want.compressAfterDays,
      ]);
    }
  }
  if (now.retentionDays !== (want.retentionDays || null)) {
    await db.query(`SELECT remove_retention_policy('positions', if_exists => true)`);
    if (want.retentionDays > 0) {
      await db.query(`SELECT add_retention_policy('positions', make_interval(days => $1::int))`, [want.retentionDays]);
    }
  }
  return positionsPolicies(db, want.retentionDays);
}

/**
 * Plain PostgreSQL: deletes the positions whose fix is older than `before`, one terminal at a time along the
 * primary key (terminal_id, fix_time), at most `batch` rows per statement. Returns how many were deleted.
 * `stop` is asked between statements so that a shutdown need not wait for the whole pass.
 */
export async function deleteExpiredPositions(
  db: Queryable,
  before: Date,
  batch = 10_000,
  stop: () => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  // The distinct terminals by a skip scan of the primary key: one index probe per terminal, not a table scan.
  const terminals = await rows<{ terminal_id: string }>(
    db,
    `WITH RECURSIVE t(id) AS (
       (SELECT terminal_id FROM positions ORDER BY terminal_id LIMIT 1)
       UNION ALL
       SELECT (SELECT terminal_id FROM positions WHERE terminal_id > t.id ORDER BY terminal_id LIMIT 1)
         FROM t WHERE t.id IS NOT NULL)
     SELECT id AS terminal_id FROM t WHERE id IS NOT NULL`,
  );
  for (const { terminal_id } of terminals) {
    for (;;) {
      if (stop()) return deleted;
      const gone = await rows<{ n: number }>(
        db,
        `WITH doomed AS (
           SELECT terminal_id, fix_time FROM positions WHERE terminal_id = $1 AND fix_time < $2
            ORDER BY fix_time LIMIT $3)
         , d AS (
           DELETE FROM positions p USING doomed
            WHERE p.terminal_id = doomed.terminal_id AND p.fix_time = doomed.fix_time RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [terminal_id, before, batch],
      );
      deleted += gone[0].n;
      if (gone[0].n < batch) break;
    }
  }
  return deleted;
}
