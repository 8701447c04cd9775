import pg from 'pg';

/** Drops this run's databases, including any a crashed test file could not drop itself. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.OVERSIGHT_TEST_RUN;
  if (!run) return;
  const client = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
      [`oversight_tpl_${run}`, `oversight\\_t\\_${run}\\_%`],
    );
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
