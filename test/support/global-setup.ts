import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Jest loads this file outside the ES-module test runtime, so it stays self-contained: it only names the
// run and creates the empty template; the first test file to need it migrates it (test-database.ts).
export default async function globalSetup(): Promise<void> {
  const run = randomBytes(4).toString('hex');
  process.env.OVERSIGHT_TEST_RUN = run;
  const client = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE oversight_tpl_${run}`);
  } finally {
    await client.end();
  }
}
