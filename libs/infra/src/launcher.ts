import { ConfigError, loadConfig, type AppConfig } from '#app/config';
import { announce, flushAnnouncements, rootLogger, type Logger } from '#app/logging';
import { setPhase, startOpsListener, type OpsListener } from '#app/metrics';
import { stopLeftoverPostgres } from './embedded-postgres.js';
import { acquireInfrastructure, type Infrastructure } from './infrastructure.js';
import { claimPorts, portClaims, PortTakenError } from './ports.js';

export interface StartedApp {
  name: string;
  /** Plain start-up lines for the operator (`dashboard: http://…/`). */
  lines?: string[];
  close(): Promise<void>;
}

/** Starts one app; `http` marks the one that listens on PORT, `jt808` the one that listens on JT808_PORT. */
export type AppStarter = ((config: AppConfig, infra: Infrastructure) => Promise<StartedApp>) & {
  http?: boolean;
  jt808?: boolean;
};

export interface LaunchOptions {
  /** Checked configuration to use instead of reading the environment again. */
  config?: AppConfig;
  /** The demo: a taken port whose variable the operator did not set moves to a free port above it. */
  movePorts?: boolean;
  /** Runs once the database and broker are up, before the apps (the demo loads its data here). */
  beforeApps?: (infra: Infrastructure, config: AppConfig, log: Logger) => Promise<void>;
  /** Runs once the service is up; the stop function it returns runs first at shutdown. */
  afterStart?: (infra: Infrastructure, config: AppConfig, log: Logger) => Promise<(() => Promise<void>) | void>;
}

/** How long a stop may take before the process gives up waiting and exits with an error. */
const STOP_MAX_MS = 60_000;
/** A signal repeated within this time is the same request (a terminal's Ctrl-C reaches npm and node, npm forwards it). */
const REPEAT_GRACE_MS = 5_000;

/** Reads the environment; a wrong value stops the process with a message naming the variable. */
export function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * The one way a process starts: check the configuration and the ports, bring up the database and broker, start
 * the given apps, say where they are, and on Ctrl-C (to the process or its whole group) or SIGTERM close them
 * in reverse order — the gateway commits and acknowledges what it holds, the detector saves its state — before
 * stopping anything embedded. A clean stop exits 0.
 */
export async function launch(starters: AppStarter[], options: LaunchOptions = {}): Promise<void> {
  let config = options.config ?? configOrExit();
  const log = rootLogger(config.logLevel);
  const started: StartedApp[] = [];
  let infra: Infrastructure | undefined;
  let ops: OpsListener | undefined;
  // Whatever afterStart began is stopped even when the signal arrives while it is still starting.
  let extra: Promise<(() => Promise<void>) | void> | undefined;
  let stopping: { signal: string; at: number } | undefined;

  const shutdown = async (signal: string, code = 0) => {
    if (stopping) {
      if (Date.now() - stopping.at < REPEAT_GRACE_MS) return;
      log.warn({ signal }, 'asked again to stop: exiting without waiting for the rest');
      flushAnnouncements();
      process.exit(130);
    }
    stopping = { signal, at: Date.now() };
    setPhase('stopping'); // readiness fails at once, so a balancer or orchestrator stops sending work here
    log.info({ signal }, 'shutting down');
    const watchdog = setTimeout(() => {
      log.error({ waitedMs: STOP_MAX_MS }, 'the stop took too long; exiting');
      process.exit(1);
    }, STOP_MAX_MS);
    watchdog.unref();
    await extra
      ?.then((stopExtra) => stopExtra?.())
      .catch((error: unknown) => log.warn({ err: error }, 'demo stop failed'));
    for (const app of started.reverse()) {
      await app
        .close()
        .catch((error: unknown) => log.error({ err: error, app: app.name }, 'app did not close cleanly'));
    }
    await infra?.stop().catch((error: unknown) => log.error({ err: error }, 'infrastructure did not stop cleanly'));
    await ops?.close();
    log.info('stopped');
    flushAnnouncements();
    process.exit(code);
  };
  // The embedded PostgreSQL package stops its servers on these signals by itself, while the apps still hold
  // connections; the order matters, so this process alone decides it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
  try {
    // A server a killed process left behind holds its port and data directory: stop it before judging the ports.
    if (!config.databaseUrl) await stopLeftoverPostgres(config.dataDir, log);
    const claims = portClaims(config, { http: starters.some((s) => s.http), jt808: starters.some((s) => s.jt808) });
    const claimed = await claimPorts(
      config,
      claims,
      (claim) => options.movePorts === true && !process.env[claim.variable],
    );
    config = claimed.config;
    setPhase('starting');
    // Up before anything else, so that liveness answers while an embedded database starts.
    if (config.metricsPort !== undefined) {
      ops = await startOpsListener({ host: config.metricsHost, port: config.metricsPort, token: config.metricsToken });
    }
    infra = await acquireInfrastructure(config, log);
    await options.beforeApps?.(infra, config, log);
    for (const start of starters) started.push(await start(config, infra));
    setPhase('up');
    log.info({ apps: started.map((app) => app.name) }, 'service is up');
    announce([
      '',
      ...started.flatMap((app) => app.lines ?? []),
      `mqtt: ${infra.terminalMqttUrl}`,
      ...(ops
        ? [`metrics: http://${['0.0.0.0', '::'].includes(ops.host) ? 'localhost' : ops.host}:${ops.port}/metrics`]
        : []),
      ...claimed.moved.map(
        ({ claim, from, to }) => `note: port ${from} was taken; ${claim.purpose} moved to ${to} (${claim.variable})`,
      ),
    ]);
    flushAnnouncements();
    extra = options.afterStart?.(infra, config, log);
    await extra;
  } catch (error) {
    if (error instanceof PortTakenError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    log.fatal({ err: error }, 'start-up failed');
    await shutdown('start-up failure', 1);
  }
}
