import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { waitForPort } from '../ingest/support/mosquitto.js';

/** The node flags an npm script starts its app with (e.g. `start`), so a benchmark runs what production runs. */
export function startFlags(root: string, script: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return scripts[script].split(' ').filter((word) => word.startsWith('--'));
}

/** The value at or above `p` per cent of an ascending list (NaN for an empty one). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** A database of its own on the server for one benchmark run; `admin` stays connected to drop it at the end. */
export async function createBenchDatabase(
  server: string,
): Promise<{ admin: pg.Client; dbName: string; databaseUrl: string }> {
  const dbName = `oversight_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(server);
  url.pathname = `/${dbName}`;
  return { admin, dbName, databaseUrl: url.toString() };
}

/**
 * `count` registered terminals, each bound to a car of its own since yesterday: ids `prefix` followed by the
 * number zero-padded to `digits`.
 */
export async function seedBoundTerminals(db: pg.Pool, count: number, prefix: string, digits: number): Promise<void> {
  const { rows: units } = await db.query<{ id: string }>(
    `INSERT INTO units (name, vehicle_quota) VALUES ('bench', 1000000) RETURNING id`,
  );
  await db.query(
    `INSERT INTO terminals (terminal_id, secret_hash)
     SELECT $2 || lpad(g::text, $3, '0'), 'x' FROM generate_series(0, $1::int - 1) g`,
    [count, prefix, digits],
  );
  await db.query(
    `WITH v AS (
       INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id)
       SELECT 'BENCH' || g, 'BENCH' || g, 'general', $2 FROM generate_series(0, $1::int - 1) g RETURNING id, plate_number)
     INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from)
     SELECT id, $3 || lpad(substr(plate_number, 6), $4, '0'), CURRENT_DATE - 1 FROM v`,
    [count, units[0].id, prefix, digits],
  );
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc; `unreadable` for a process without an id,
 * one that has ended, or a machine without /proc.
 */
export function cpuSeconds(pid: number | undefined, unreadable = 0): number {
  if (!pid) return unreadable;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return unreadable;
  }
}

/** The value at the `q` quantile (0…1) of an ascending array (NaN for an empty one). */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * A Mosquitto of the benchmark's own on `port` with the deployment's no-drop limits, no persistence and no
 * log, its configuration written into `dir`; resolves once it accepts connections.
 */
export async function startBenchMosquitto(root: string, dir: string, port: number): Promise<ChildProcess> {
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      readFileSync(join(root, 'deploy/mosquitto/conf.d/no-drop.conf'), 'utf8'),
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'user root',
      'persistence false',
      'log_dest none',
      '',
    ].join('\n'),
  );
  const broker = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: 'ignore' });
  await waitForPort(port, true, 30_000);
  return broker;
}
