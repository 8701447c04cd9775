/**
 * How long raw positions are kept, and from what age they are compressed.
 *
 * On TimescaleDB both are the extension's own background jobs on the `position_rows` hypertable (a compression
 * policy and a retention policy that drops whole day-chunks); the service only sets their ages. On plain
 * PostgreSQL the scheduler packs each closed hour of a terminal into one `position_packs` row
 * (`packPositions`), and retention is a delete of the expired packs and rows, in small batches so that it
 * never holds many locks or a long transaction.
 */

/** The table that holds the positions' rows (a hypertable on TimescaleDB); `positions` is a view over it. */
const ROWS = 'position_rows';

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

/** Whether the positions are in a TimescaleDB hypertable in this database. */
export async function positionsOnTimescale(db: Queryable): Promise<boolean> {
  const found = await rows(
    db,
    `SELECT 1 FROM pg_extension e WHERE e.extname = 'timescaledb'
       AND EXISTS (SELECT 1 FROM timescaledb_information.hypertables h WHERE h.hypertable_name = '${ROWS}')`,
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
      WHERE hypertable_name = '${ROWS}' AND proc_name IN ('policy_compression', 'policy_retention')`,
  );
  const of = (name: string) => jobs.find((j) => j.proc_name === name)?.config;
  return {
    engine: 'timescaledb',
    compressAfterDays: await days(db, of('policy_compression')?.compress_after),
    retentionDays: await days(db, of('policy_retention')?.drop_after),
  };
}

/**
 * Makes TimescaleDB's policies on the positions what `want` says, changing only what differs (several processes
 * may start at once with the same settings). On plain PostgreSQL nothing is stored: the scheduler deletes.
 * Returns the policies in force afterwards.
 */
export async function applyPositionsPolicies(db: Queryable, want: PositionsLifecycle): Promise<PositionsPolicies> {
  const now = await positionsPolicies(db, want.retentionDays);
  if (now.engine === 'postgresql') return now;
  if (now.compressAfterDays !== (want.compressAfterDays || null)) {
    await db.query(`SELECT remove_compression_policy('${ROWS}', if_exists => true)`);
    if (want.compressAfterDays > 0) {
      await db.query(`SELECT add_compression_policy('${ROWS}', make_interval(days => $1::int))`, [
        want.compressAfterDays,
      ]);
    }
  }
  if (now.retentionDays !== (want.retentionDays || null)) {
    await db.query(`SELECT remove_retention_policy('${ROWS}', if_exists => true)`);
    if (want.retentionDays > 0) {
      await db.query(`SELECT add_retention_policy('${ROWS}', make_interval(days => $1::int))`, [want.retentionDays]);
    }
  }
  return positionsPolicies(db, want.retentionDays);
}

/**
 * Plain PostgreSQL: deletes the positions whose fix is older than `before` — whole packs of hours that ended by
 * then, and rows (not packed yet) one terminal at a time along the primary key — at most `batch` packs or rows
 * per statement. Returns how many positions were deleted. A pack whose hour holds `before` stays until the
 * next pass after its hour has gone. `stop` is asked between statements so that a shutdown need not wait for
 * the whole pass.
 */
export async function deleteExpiredPositions(
  db: Queryable,
  before: Date,
  batch = 10_000,
  stop: () => boolean = () => false,
): Promise<number> {
  let deleted = 0;
  // Packs by their hour index, a few hundred at a time (each holds an hour of one terminal).
  for (;;) {
    if (stop()) return deleted;
    const gone = await rows<{ n: number; packs: number }>(
      db,
      `WITH doomed AS (
         SELECT ctid FROM position_packs WHERE hour + interval '1 hour' <= $1 ORDER BY hour LIMIT $2)
       , d AS (DELETE FROM position_packs k USING doomed WHERE k.ctid = doomed.ctid RETURNING cardinality(k.fix_us) AS n)
       SELECT coalesce(sum(n), 0)::int AS n, count(*)::int AS packs FROM d`,
      [before, Math.max(1, Math.ceil(batch / 300))],
    );
    deleted += gone[0].n;
    if (gone[0].packs === 0) break;
  }
  // The distinct terminals by a skip scan of the primary key: one index probe per terminal, not a table scan.
  const terminals = await rows<{ terminal_id: string }>(
    db,
    `WITH RECURSIVE t(id) AS (
       (SELECT terminal_id FROM ${ROWS} ORDER BY terminal_id LIMIT 1)
       UNION ALL
       SELECT (SELECT terminal_id FROM ${ROWS} WHERE terminal_id > t.id ORDER BY terminal_id LIMIT 1)
         FROM t WHERE t.id IS NOT NULL)
     SELECT id AS terminal_id FROM t WHERE id IS NOT NULL`,
  );
  for (const { terminal_id } of terminals) {
    for (;;) {
      if (stop()) return deleted;
      const gone = await rows<{ n: number }>(
        db,
        `WITH doomed AS (
           SELECT terminal_id, fix_time FROM ${ROWS} WHERE terminal_id = $1 AND fix_time < $2
            ORDER BY fix_time LIMIT $3)
         , d AS (
           DELETE FROM ${ROWS} p USING doomed
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

/**
 * Plain PostgreSQL: packs the rows of every (terminal, hour) whose hour ended before `horizon` into
 * `position_packs`, `groups` pairs per transaction (the packer holds the pack lock exclusively for that long,
 * and a late flush waits for it). Returns how many (terminal, hour) pairs were packed. `db` must be one
 * connection: BEGIN and COMMIT go to it.
 */
export async function packPositions(
  db: Queryable,
  horizon: Date,
  groups = 50,
  stop: () => boolean = () => false,
): Promise<number> {
  let packed = 0;
  for (;;) {
    if (stop()) return packed;
    await db.query('BEGIN');
    let n: number;
    try {
      const [row] = await rows<{ n: number }>(db, 'SELECT positions_pack($1, $2) AS n', [horizon, groups]);
      await db.query('COMMIT');
      n = Number(row.n);
    } catch (error) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    packed += n;
    // A call packs one hour per terminal at most: the next finds the following hours, until none is left.
    if (n === 0) return packed;
  }
}
