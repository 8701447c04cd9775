import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import pgCopy from 'pg-copy-streams';

const run = promisify(execFile);

/**
 * A backup is a folder: `core.dump` (pg_dump's custom format: the whole schema and every table's data but the
 * raw positions), one `positions-<from>-<to>.copy` per time range (PostgreSQL's binary COPY of the positions
 * whose fix time lies in [from, to)), and `manifest.json` (what is where, row counts, SHA-256 of each file).
 * Positions are most of the volume and are mostly kept elsewhere (a retention policy, compressed chunks), so
 * they are saved by range and restored by range.
 */
export interface BackupManifest {
  format: 1;
  createdAt: string;
  migrations: string[];
  tables: Record<string, number>;
  positions: { from: string; to: string; file: string; rows: number; sha256: string }[];
  core: { file: string; sha256: string };
}

export interface BackupOptions {
  databaseUrl: string;
  dir: string;
  /** Position ranges to save, [from, to) by fix time; none saves no positions. */
  positionRanges?: { from: Date; to: Date }[];
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/** The tables that hold the positions (behind the view `positions`), saved by fix-time range instead. */
const POSITION_TABLES = ['positions', 'position_rows', 'position_packs'];

/** Row counts of the service's tables (positions apart), to check a restore against. */
async function tableCounts(client: pg.Client): Promise<Record<string, number>> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> ALL ($1::text[]) ORDER BY c.relname`,
    [POSITION_TABLES],
  );
  const counts: Record<string, number> = {};
  for (const { relname } of rows) {
    const { rows: n } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${client.escapeIdentifier(relname)}`,
    );
    counts[relname] = Number(n[0].n);
  }
  return counts;
}

export async function backupDatabase(options: BackupOptions): Promise<BackupManifest> {
  mkdirSync(options.dir, { recursive: true });
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    // One snapshot for the counts and the dump: the counts describe exactly what the dump holds.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: snap } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const tables = await tableCounts(client);
    const { rows: migrations } = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
    const core = join(options.dir, 'core.dump');
    await run('pg_dump', [
      '--format=custom',
      '--no-owner',
      '--no-privileges',
      `--snapshot=${snap[0].id}`,
      ...POSITION_TABLES.map((table) => `--exclude-table-data=${table}`),
      `--file=${core}`,
      `--dbname=${options.databaseUrl}`,
    ]);
    const positions: BackupManifest['positions'] = [];
    for (const range of options.positionRanges ?? []) {
      const file = `positions-${stamp(range.from)}-${stamp(range.to)}.copy`;
      const path = join(options.dir, file);
      const from = `${client.escapeLiteral(range.from.toISOString())}::timestamptz`;
      const to = `${client.escapeLiteral(range.to.toISOString())}::timestamptz`;
      const source = client.query(
        pgCopy.to(
          `COPY (SELECT * FROM positions_between(${from}, ${to}) WHERE fix_time >= ${from} AND fix_time < ${to}
                  ORDER BY fix_time)
           TO STDOUT WITH (FORMAT binary)`,
        ),
      );
      await pipeline(source, createWriteStream(path));
      positions.push({
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        file,
        rows: source.rowCount ?? 0,
        sha256: sha256(path),
      });
    }
    await client.query('COMMIT');
    const manifest: BackupManifest = {
      format: 1,
      createdAt: new Date().toISOString(),
      migrations: migrations.map((m) => m.name),
      tables,
      positions,
      core: { file: 'core.dump', sha256: sha256(core) },
    };
    writeFileSync(join(options.dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    await client.end();
  }
}

export class RestoreError extends Error {}

/**
 * Restores a backup into an empty database: the files are checked against the manifest first, then the core
 * dump, then each positions range; the row counts must come out as the manifest says.
 */
export async function restoreDatabase(options: { databaseUrl: string; dir: string }): Promise<BackupManifest> {
  const manifest = JSON.parse(readFileSync(join(options.dir, 'manifest.json'), 'utf8')) as BackupManifest;
  for (const { file, sha256: expected } of [manifest.core, ...manifest.positions]) {
    if (sha256(join(options.dir, file)) !== expected) {
      throw new RestoreError(`${file} does not match its SHA-256 in manifest.json: the backup is damaged`);
    }
  }
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'`,
    );
    if (Number(rows[0].n) > 0) throw new RestoreError('the target database is not empty: restore into a new one');
    await run('pg_restore', [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      `--dbname=${options.databaseUrl}`,
      join(options.dir, manifest.core.file),
    ]);
    for (const range of manifest.positions) {
      const sink = client.query(pgCopy.from('COPY positions FROM STDIN WITH (FORMAT binary)'));
      await pipeline(createReadStream(join(options.dir, range.file)), sink);
    }
    const counts = await tableCounts(client);
    const wrong = Object.entries(manifest.tables).filter(([table, n]) => counts[table] !== n);
    if (wrong.length > 0) {
      throw new RestoreError(
        `row counts differ from the backup: ${wrong.map(([t, n]) => `${t} ${counts[t]} instead of ${n}`).join(', ')}`,
      );
    }
    const { rows: stored } = await client.query<{ n: string }>('SELECT count(*) AS n FROM positions');
    const expected = manifest.positions.reduce((sum, r) => sum + r.rows, 0);
    if (Number(stored[0].n) !== expected) {
      throw new RestoreError(`positions: ${stored[0].n} restored instead of ${expected}`);
    }
    return manifest;
  } finally {
    await client.end();
  }
}
