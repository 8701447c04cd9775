import pg from 'pg';
import { ConfigError, loadConfig } from '#app/config';
import { runMigrations } from '#app/db';
import { acquireInfrastructure, type Infrastructure } from '#app/infra';
import { rootLogger } from '#app/logging';
import { loadDemoFleet } from './load.js';

// `npm run demo:fleet`: loads the demo fleet into the configured database (DATABASE_URL), or into the
// embedded one the service itself would use when DATABASE_URL is unset.
async function main(): Promise<void> {
  const config = loadConfig();
  const log = rootLogger(config.logLevel);
  let infra: Infrastructure | undefined;
  let url = config.databaseUrl;
  if (url) {
    await runMigrations(url);
  } else {
    infra = await acquireInfrastructure(config, log);
    url = infra.databaseUrl;
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const result = await loadDemoFleet(pool);
    log.info(result, 'demo fleet loaded');
  } finally {
    await pool.end();
    await infra?.stop();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else rootLogger().fatal({ err: error }, 'loading the demo fleet failed');
  process.exit(1);
});
