import pg from 'pg';
import { hashSecret, newSecret, verifySecret } from '#app/crypto';
import type { AppConfig } from '#app/config';
import { runMigrations } from '#app/db';
import type { Logger } from '#app/logging';
import { startEmbeddedBroker, type EmbeddedBroker, type TerminalIntake } from './embedded-broker.js';
import { identifyTerminal, type BrokerIdentity } from './broker-rules.js';
import { DynamicSecurity } from './dynamic-security.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';
import { settingOrCreate } from './settings.js';

/** Where the apps find their database and broker, embedded or real. */
export interface Infrastructure {
  databaseUrl: string;
  mqttUrl: string;
  /** Credentials of the service's own MQTT clients (gateway, detector hand-off, tools). */
  mqttUsername?: string;
  mqttPassword?: string;
  jwtSecret: string;
  embeddedDatabase: boolean;
  embeddedBroker: boolean;
  /** Where terminals connect (the broker's address as they see it, without credentials). */
  terminalMqttUrl: string;
  /** Present when the broker runs in this process: terminals' messages, acknowledged only when stored. */
  terminalIntake?: TerminalIntake;
  /** An external Mosquitto's dynamic-security plugin, when configured: terminal accounts follow the registry. */
  brokerAccounts?: DynamicSecurity;
  stop(): Promise<void>;
}

export const INTERNAL_MQTT_USER = 'oversight-internal';

let shared: Promise<Infrastructure> | undefined;

function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}

/**
 * Starts (once per process) whatever the configuration leaves to the embedded defaults, migrates the
 * schema and returns the addresses. Four apps in one process share the result.
 */
export function acquireInfrastructure(config: AppConfig, log: Logger): Promise<Infrastructure> {
  shared ??= startInfrastructure(config, log).catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

async function startInfrastructure(config: AppConfig, log: Logger): Promise<Infrastructure> {
  let database: EmbeddedDatabase | undefined;
  let broker: EmbeddedBroker | undefined;
  let pool: pg.Pool | undefined;
  let brokerAccounts: DynamicSecurity | undefined;
  try {
    if (!config.databaseUrl) database = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort, log);
    const databaseUrl = config.databaseUrl ?? database!.url;
    const applied = await runMigrations(databaseUrl);
    if (applied.length > 0) log.info({ migrations: applied }, 'database schema migrated');
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    pool.on('error', (error) => log.warn({ err: error }, 'idle database connection lost'));
    const db = pool;
    const jwtSecret = config.jwtSecret ?? (await settingOrCreate(db, 'jwt_secret', () => newSecret(48)));
    let mqttUsername = process.env.MQTT_USERNAME;
    let mqttPassword = process.env.MQTT_PASSWORD;
    if (!config.mqttUrl) {
      // The broker lives in this process, so the service's own password never needs to leave it.
      mqttUsername = INTERNAL_MQTT_USER;
      mqttPassword = newSecret();
      const internalHash = hashSecret(mqttPassword);
      broker = await startEmbeddedBroker(
        config.embeddedMqttHost,
        config.embeddedMqttPort,
        async (clientId, username, password): Promise<BrokerIdentity | null> => {
          if (!username || !password) return null;
          const secret = password.toString('utf8');
          if (username === INTERNAL_MQTT_USER) {
            return verifySecret(secret, internalHash) ? { kind: 'internal' } : null;
          }
          return identifyTerminal(
            (sql, params) => db.query(sql, params).then((r) => r.rows),
            clientId,
            username,
            secret,
          );
        },
        log,
      );
    }
    if (config.mqttUrl && config.brokerAccounts) {
      brokerAccounts = await DynamicSecurity.connect(
        config.mqttUrl,
        config.brokerAccounts.username,
        config.brokerAccounts.password,
        log,
      );
      // The service's own account first (the gateway signs in with it next), then the terminals.
      await brokerAccounts.ensureServiceAccount(mqttUsername!, mqttPassword!);
      const { rows } = await db.query<{ terminal_id: string }>('SELECT terminal_id FROM terminals WHERE active');
      const synced = await brokerAccounts.syncTerminals(new Set(rows.map((r) => r.terminal_id)));
      log.info(
        { disabled: synced.disabled.length, missing: synced.missing.length },
        'broker accounts in step with the registry',
      );
    }
    return {
      databaseUrl,
      mqttUrl: config.mqttUrl ?? broker!.url,
      mqttUsername,
      mqttPassword,
      jwtSecret,
      embeddedDatabase: database !== undefined,
      embeddedBroker: broker !== undefined,
      terminalMqttUrl: broker
        ? `mqtt://${config.embeddedMqttHost}:${broker.port}`
        : withoutCredentials(config.mqttUrl!),
      terminalIntake: broker?.intake,
      brokerAccounts,
      async stop() {
        shared = undefined;
        await brokerAccounts?.close();
        await broker?.stop();
        await db.end();
        await database?.stop();
      },
    };
  } catch (error) {
    await brokerAccounts?.close();
    await broker?.stop().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    throw error;
  }
}

/** Real servers the caller has started (tests, benchmarks): nothing embedded, nothing to stop. */
export function externalInfrastructure(databaseUrl: string, mqttUrl: string, jwtSecret: string): Infrastructure {
  return {
    databaseUrl,
    mqttUrl,
    jwtSecret,
    embeddedDatabase: false,
    embeddedBroker: false,
    terminalMqttUrl: withoutCredentials(mqttUrl),
    stop: async () => undefined,
  };
}
