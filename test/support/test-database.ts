import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '#app/db';

/** The server the tests use: this machine's PostgreSQL unless TEST_DATABASE_URL names another. */
export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Set by the global set-up, so parallel test runs on one server never touch each other's databases. */
export function testRunId(): string {
  const id = process.env.OVERSIGHT_TEST_RUN;
  if (!id) throw new Error('OVERSIGHT_TEST_RUN is not set: run the tests through jest (npm test)');
  return id;
}

export function templateName(): string {
  return `oversight_tpl_${testRunId()}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function withServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Lock key under which the first test file of a run migrates the template. */
const TEMPLATE_LOCK = 7_340_002;

async function ensureTemplateMigrated(): Promise<void> {
  await withServer(async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      await runMigrations(databaseUrl(templateName()));
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
}

/** A fresh, migrated database of its own for one test file, copied from the template in milliseconds. */
export async function createTestDatabase(): Promise<TestDatabase> {
  await ensureTemplateMigrated();
  const name = `oversight_t_${testRunId()}_${randomBytes(4).toString('hex')}`;
  await withServer((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${templateName()}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => withServer((c) => dropWhenClosed(c, name)),
  };
}

/**
 * A pool's end() resolves before its sockets have closed. Terminating such a connection (DROP … WITH (FORCE))
 * makes its client report an error to a pool that no longer listens, which fails the test file; so the drop
 * first gives the connections of the test's own pools up to 5 s to go, and forces only what is left.
 */
async function dropWhenClosed(c: pg.Client, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await c.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
      [name],
    );
    if (rows[0].n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
