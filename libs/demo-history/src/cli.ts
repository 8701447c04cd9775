import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '#app/config';
import { dataSourceOptions, runMigrations } from '#app/db';
import { acquireInfrastructure, type Infrastructure } from '#app/infra';
import { rootLogger } from '#app/logging';
import { seedDemoHistory } from './demo-history.js';

// `npm run demo:history [year]`: last year's joint meetings, purchase decisions and closed cases (and the
// demo fleet they refer to) into DATABASE_URL, or into the embedded database when it is unset.
async function main(): Promise<void> {
  const config = loadConfig();
  const log = rootLogger(config.logLevel);
  const year = Number(process.argv[2] ?? new Date().getUTCFullYear() - 1);
  if (!Number.isInteger(year) || year < 2000 || year > 2100) {
    process.stderr.write(`the year must be a whole number from 2000 to 2100, got "${process.argv[2]}"\n`);
    process.exit(1);
  }
  let infra: Infrastructure | undefined;
  let url = config.databaseUrl;
  if (url) {
    await runMigrations(url);
  } else {
    infra = await acquireInfrastructure(config, log);
    url = infra.databaseUrl;
  }
  const db = new DataSource({ ...dataSourceOptions(url), extra: { max: 1 } });
  await db.initialize();
  try {
    const result = await seedDemoHistory(db, year);
    log.info(result, result.skipped ? 'demo history already present' : 'demo history loaded');
  } finally {
    await db.destroy();
    await infra?.stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else rootLogger().fatal({ err: error }, 'loading the demo history failed');
  process.exit(1);
});
