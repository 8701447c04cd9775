import 'reflect-metadata';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { resetAdminPassword, temporaryPassword } from '#app/auth';
import { configOrExit, embeddedDatabaseUrl, startEmbeddedPostgres, type EmbeddedDatabase } from '#app/infra';
import { dataSourceOptions, runMigrations } from '#app/db';
import { HistoryService } from '#app/history';
import { announceBlock, rootLogger } from '#app/logging';

/**
 * `npm run admin:reset-password`: for a person with shell access who lost the admin password. Sets a new one —
 * ADMIN_PASSWORD when given, else a generated temporary one to be changed at the next sign-in — ends the admin's
 * existing sessions and records the reset in the history. Works whether or not the service is running: on the
 * embedded default it uses the running service's database, or starts the embedded one from DATA_DIR for the
 * moment it needs it.
 */
const config = configOrExit();
const log = rootLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);

/** The URL of the embedded database when it runs now from this DATA_DIR, else null. */
async function runningEmbedded(): Promise<string | null> {
  const url = embeddedDatabaseUrl(config.embeddedPostgresPort);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0].data_directory === join(config.dataDir, 'postgres') ? url : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

let embedded: EmbeddedDatabase | undefined;
let db: DataSource | undefined;
let status = 0;
try {
  let url = config.databaseUrl ?? (await runningEmbedded());
  if (!url) {
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort, log);
    url = embedded.url;
  }
  await runMigrations(url);
  db = new DataSource({ ...dataSourceOptions(url), extra: { max: 1 } });
  await db.initialize();
  const chosen = config.adminPassword;
  const password = chosen ?? temporaryPassword();
  await resetAdminPassword(db, new HistoryService(db), password, {
    mustChange: chosen === undefined,
    actor: 'system:admin-reset-password',
    reason: 'reset from the shell',
  });
  announceBlock([
    'The admin password was reset; earlier admin sessions have ended.',
    'admin user: admin',
    chosen === undefined ? `admin password: ${password}` : 'admin password: the value of ADMIN_PASSWORD',
    ...(chosen === undefined ? ['It is temporary: sign in and choose a new one.'] : []),
  ]);
} catch (error) {
  process.stderr.write(`the admin password could not be reset: ${(error as Error).message}\n`);
  status = 1;
} finally {
  await db?.destroy().catch(() => undefined);
  await embedded?.stop().catch(() => undefined);
}
process.exit(status);
