import { ConfigError, loadConfig, type AppConfig } from '#app/config';
import { rootLogger } from '#app/logging';
import { acquireInfrastructure, type Infrastructure } from './infrastructure.js';

export interface StartedApp {
  name: string;
  close(): Promise<void>;
}

export type AppStarter = (config: AppConfig, infra: Infrastructure) => Promise<StartedApp>;

/**
 * The one way a process starts: check the configuration (a wrong value stops it with a message naming the
 * variable), bring up the database and broker, start the given apps, and on Ctrl-C or SIGTERM close them
 * in reverse order before stopping anything embedded.
 */
export async function launch(starters: AppStarter[]): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = rootLogger(config.logLevel);
  const started: StartedApp[] = [];
  let infra: Infrastructure | undefined;
  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    for (const app of started.reverse()) {
      await app
        .close()
        .catch((error: unknown) => log.error({ err: error, app: app.name }, 'app did not close cleanly'));
    }
    await infra?.stop().catch((error: unknown) => log.error({ err: error }, 'infrastructure did not stop cleanly'));
    log.info('stopped');
    process.exit(code);
  };
  // The embedded PostgreSQL package stops its server on these signals by itself, while the apps still hold
  // connections; the order matters, so this process alone decides it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => void shutdown(signal));
  }
  try {
    infra = await acquireInfrastructure(config, log);
    for (const start of starters) started.push(await start(config, infra));
    log.info({ apps: started.map((app) => app.name) }, 'service is up');
  } catch (error) {
    log.fatal({ err: error }, 'start-up failed');
    await shutdown('start-up failure', 1);
  }
}
