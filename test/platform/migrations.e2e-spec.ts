import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '#app/db';
import { createTestDatabase, databaseUrl, testRunId, withServer } from '../support/test-database.js';

/** The schema as a comparable list: every column and index of the public schema but TypeORM's own ledger. */
async function schema(client: pg.Client): Promise<string[]> {
  const columns = await client.query(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS d
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'migrations'`,
  );
  const indexes = await client.query(
    `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'migrations'`,
  );
  return [...columns.rows, ...indexes.rows].map((r) => r.d as string).sort();
}

async function tables(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  return rows.map((r) => r.tablename as string);
}

/** Each migration in its own transaction, as the service runs them. */
async function apply(
  client: pg.Client,
  step: (m: MigrationInterface, q: QueryRunner) => Promise<void>,
  reverse = false,
) {
  const runner = { query: (sql: string, params?: unknown[]) => client.query(sql, params).then((r) => r.rows) };
  for (const Migration of reverse ? [...MIGRATIONS].reverse() : MIGRATIONS) {
    await client.query('BEGIN');
    try {
      await step(new Migration(), runner as unknown as QueryRunner);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw new Error(`${new Migration().name ?? Migration.name}: ${(error as Error).message}`);
    }
  }
}

describe('migrations on plain PostgreSQL', () => {
  const name = `oversight_m_${testRunId()}_${randomBytes(4).toString('hex')}`;
  let client: pg.Client;
  beforeAll(async () => {
    await withServer((c) => c.query(`CREATE DATABASE ${name}`));
    client = new pg.Client({ connectionString: databaseUrl(name) });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await withServer((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it('builds on a bare database the same schema the service migrates to', async () => {
    await apply(client, (m, q) => m.up(q));
    const reference = await createTestDatabase();
    const other = new pg.Client({ connectionString: reference.url });
    await other.connect();
    try {
      expect(await schema(client)).toEqual(await schema(other));
    } finally {
      await other.end();
      await reference.drop();
    }
    expect(await tables(client)).toEqual(
      expect.arrayContaining(['position_rows', 'position_packs', 'terminal_bindings', 'vehicles', 'units']),
    );
  });

  it('undoes every migration in reverse order, leaving no table behind, and can migrate up again', async () => {
    await apply(client, (m, q) => m.down(q), true);
    expect(await tables(client)).toEqual([]);
    await apply(client, (m, q) => m.up(q));
    expect(await tables(client)).toEqual(expect.arrayContaining(['position_rows', 'position_packs']));
  });
});
