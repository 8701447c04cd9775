import { isAbsolute, resolve } from 'node:path';
import { passwordProblem } from '#app/crypto';

/** Every setting of the service, validated once at start-up. */
export interface AppConfig {
  port: number;
  /** Unset → an embedded PostgreSQL is started in `dataDir`. */
  databaseUrl?: string;
  /** Unset → an in-process MQTT broker listens on `embeddedMqttPort`. */
  mqttUrl?: string;
  embeddedMqttPort: number;
  /** The address the in-process broker binds (only without mqttUrl). */
  embeddedMqttHost: string;
  /**
   * The administrator of an external Mosquitto's dynamic-security plugin: with it, the service creates its
   * own broker account (MQTT_USERNAME) and keeps terminal accounts in step with the registry.
   */
  brokerAccounts?: { username: string; password: string };
  /** The secret EMQX sends (header x-broker-auth) when it asks the API to authenticate and authorize clients. */
  brokerAuthSecret?: string;
  dataDir: string;
  adminPassword?: string;
  tzPolicy: string;
  /** Signing key for access tokens; unset → generated once and kept in the database. */
  jwtSecret?: string;
  jwtTtlSeconds: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  embeddedPostgresPort: number;
  /** TCP port of the JT/T 808 listener (terminal-jt808.md); 0 turns it off. */
  jt808Port: number;
  jt808Host: string;
  /**
   * Port of the metrics and health listener (`/metrics`, `/health/live`, `/health/ready`); unset → no such
   * listener, 0 → any free port (printed at start).
   */
  metricsPort?: number;
  /** The address that listener binds. */
  metricsHost: string;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; on the API port it exists only then. */
  metricsToken?: string;
  /**
   * Raw positions' lifecycle: kept `retentionDays` (0 = for ever), on TimescaleDB compressed once
   * `compressAfterDays` old (0 = never). Applied by the scheduler (docs/operations.md, "Data lifecycle").
   */
  positions: {
    compressAfterDays: number;
    retentionDays: number;
    /** Plain PostgreSQL: an hour of positions is packed (position_packs) once it ended this long ago. */
    packAfterMinutes: number;
  };
  ingest: {
    /** The gateway's MQTT client id: it names the broker session that holds what is not yet committed. */
    clientId: string;
    /**
     * Several gateways: the MQTT 5 shared-subscription group (`$share/<group>/…`) they read the terminal topics
     * through, each message going to one of them; unset → this gateway subscribes alone and gets every message.
     */
    shareGroup?: string;
    /**
     * Leaving the group for good (set by `npm run gateway:retire`, not by a variable): give up the filters, take
     * what the broker still holds for this client id, then end its session.
     */
    retire?: boolean;
    /** Flush a batch when it holds this many positions… */
    batchSize: number;
    /**
     * …or when its oldest message has waited this long. While a flush runs the next batch gathers by itself,
     * so a short wait costs little: batches grow with the load (group commit).
     */
    flushMs: number;
    /** Stop reading from the broker while this many messages are not yet committed. */
    maxUncommitted: number;
    /** A car is offline after this much silence even without a status message. */
    offlineAfterSeconds: number;
    /** MQTT protocol of the gateway's connection; unset → 5 for an external broker, 4 for the embedded one. */
    mqttProtocolVersion?: 4 | 5;
    /** MQTT keepalive of the gateway's connection, seconds. */
    keepaliveSeconds: number;
  };
  /**
   * How the cars are shared among detector processes: each car belongs to one of `partitions` (a stable hash of
   * its id), the gateway hands its positions off on that partition's topic, and a detector evaluates only the
   * partitions it holds a lease on. Every gateway and detector of one database needs the same count.
   */
  detector: {
    partitions: number;
    leaseSeconds: number;
    /** A car's state is saved every this many positions evaluated (and on replays, shutdown, hand-over). */
    checkpointPositions: number;
    /** And when the car has had nothing new for this long (0: never), with at least 100 positions unsaved. */
    idleCheckpointSeconds: number;
  };
  terminalSilentHours: number;
  auditSampleRate: number;
  /** How many past ISO weeks a start catches up when their draw was missed (AUDIT_CATCH_UP_WEEKS, default 8). */
  auditCatchUpWeeks: number;
  /** The largest evidence file a case accepts, in bytes. */
  evidenceMaxBytes: number;
  /** The payment gate's fuel check: each car category's highest consumption (L/100 km) and a tolerance (L). */
  fuel: { maxLPer100Km: Record<string, number>; toleranceL: number };
  /** How often the API re-verifies the history's hash chain, seconds; 0 turns it off. */
  historyVerifySeconds: number;
  /**
   * Where each verified chain head is kept outside the database (one JSON line per head), so that a
   * rewrite of the whole history table no longer matches the heads recorded before it.
   */
  historyHeadsFile: string;
  /** The largest JSON or form body the API reads, in bytes (evidence uploads have their own limit). */
  bodyLimitBytes: number;
  /** Sign-in attempts (of any outcome) one address may make per minute. */
  signInPerAddressPerMinute: number;
  /** The dashboard map's background; without a tile URL it draws on a plain background, offline. */
  map: MapSettings;
  notifications: NotificationSettings;
}

/** How findings reach people (docs/notifications.md). */
export interface NotificationSettings {
  /** `smtp://user:pass@host:587` or `smtps://…:465`; unset → e-mails fail (and wait in the dead-letter list). */
  smtpUrl?: string;
  /** The sender address of e-mails. */
  smtpFrom: string;
  /** Attempts of one message before it goes to the dead-letter list. */
  maxAttempts: number;
  /** The wait after the first failure; it doubles after each further one, up to the cap. */
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** How long one SMTP exchange or webhook call may take. */
  timeoutSeconds: number;
  /** Where people open the dashboard (https://oversight.example.gov.cn); e-mails then link to the case. */
  publicUrl?: string;
  /** Who receives the monthly oversight report by e-mail (the district leaders): REPORT_RECIPIENTS. */
  reportRecipients: string[];
}

/** Coordinate systems a tile source may be drawn in: GCJ-02 (Amap) needs the display shift, CGCS2000 does not. */
export const TILE_SYSTEMS = ['wgs84', 'gcj02', 'cgcs2000'] as const;
export type TileSystem = (typeof TILE_SYSTEMS)[number];

export interface MapSettings {
  /** A slippy-map template with {z}, {x} and {y} (and optionally {s}); unset → no tiles. */
  tileUrl?: string;
  tileSystem: TileSystem;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^-?\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      const url = new URL(raw);
      if (!protocols.includes(url.protocol)) {
        this.problems.push(
          `${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}, got "${url.protocol}//…"`,
        );
      }
    } catch {
      this.problems.push(`${name} is not a valid URL`);
    }
    return raw;
  }

  /** A tile template: http(s), with {z}, {x} and {y}; the origin is what the dashboard's policy lets images from. */
  tileUrl(name: string): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const missing = ['{z}', '{x}', '{y}'].filter((p) => !raw.includes(p));
    if (!/^https?:\/\/[a-z0-9.{}-]+(:\d+)?\//i.test(raw)) {
      this.problems.push(`${name} must be an http:// or https:// tile template, got "${raw}"`);
    } else if (missing.length > 0) {
      this.problems.push(`${name} must contain ${missing.join(', ')}`);
    }
    return raw;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
      return fallback;
    }
    return raw as T;
  }

  timeZone(name: string, fallback: string): string {
    const raw = this.string(name) ?? fallback;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: raw });
    } catch {
      this.problems.push(`${name} must be an IANA time zone such as Asia/Shanghai, got "${raw}"`);
      return fallback;
    }
    return raw;
  }
}

/** A shared-subscription group name: one topic level, no wildcards (kept to characters every broker takes). */
const SHARE_GROUP_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const FUEL_CATEGORIES = ['confidential_comms', 'emergency', 'law_enforcement', 'special_technical', 'general'];

/**
 * `FUEL_MAX_L_PER_100KM`: one figure for every category (`15`) or per category (`general=15,special_technical=25`);
 * a category not named keeps the default 15.
 */
function fuelRates(r: Reader, value: string | undefined): Record<string, number> {
  const rates = Object.fromEntries(FUEL_CATEGORIES.map((c) => [c, 15]));
  if (value === undefined) return rates;
  const bad = () =>
    r.problems.push(
      `FUEL_MAX_L_PER_100KM must be a number of L/100 km or category=number pairs separated by commas, got "${value}"`,
    );
  if (/^\d+(\.\d+)?$/.test(value)) {
    for (const c of FUEL_CATEGORIES) rates[c] = Number(value);
    return rates;
  }
  for (const pair of value.split(',')) {
    const [category, figure] = pair.split('=').map((s) => s.trim());
    if (!FUEL_CATEGORIES.includes(category) || !/^\d+(\.\d+)?$/.test(figure ?? '') || Number(figure) <= 0) {
      bad();
      return rates;
    }
    rates[category] = Number(figure);
  }
  return rates;
}

/** Reads and checks the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const r = new Reader(env);
  const dataDir = r.string('DATA_DIR') ?? './data';
  const jwtSecret = r.string('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    r.problems.push('JWT_SECRET must be at least 32 characters long');
  }
  const adminPassword = r.string('ADMIN_PASSWORD');
  const adminProblem = adminPassword === undefined ? null : passwordProblem(adminPassword);
  if (adminProblem) r.problems.push(`ADMIN_PASSWORD ${adminProblem}`);
  const dynsecUser = r.string('MQTT_DYNSEC_USERNAME');
  const dynsecPassword = r.string('MQTT_DYNSEC_PASSWORD');
  if ((dynsecUser === undefined) !== (dynsecPassword === undefined)) {
    r.problems.push('MQTT_DYNSEC_USERNAME and MQTT_DYNSEC_PASSWORD must be set together');
  }
  if (dynsecUser !== undefined) {
    for (const needed of ['MQTT_URL', 'MQTT_USERNAME', 'MQTT_PASSWORD']) {
      if (!env[needed]) r.problems.push(`${needed} must be set when MQTT_DYNSEC_USERNAME is`);
    }
  }
  const brokerAuthSecret = r.string('BROKER_AUTH_SECRET');
  if (brokerAuthSecret !== undefined && brokerAuthSecret.length < 32) {
    r.problems.push('BROKER_AUTH_SECRET must be at least 32 characters long');
  }
  const metricsToken = r.string('METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < 32) {
    r.problems.push('METRICS_TOKEN must be at least 32 characters long');
  }
  const reportRecipients = (r.string('REPORT_RECIPIENTS') ?? '')
    .split(',')
    .map((address) => address.trim())
    .filter((address) => address !== '');
  for (const address of reportRecipients) {
    if (!/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(address)) {
      r.problems.push(`REPORT_RECIPIENTS must be e-mail addresses separated by commas, got "${address}"`);
    }
  }
  const shareGroup = r.string('INGEST_SHARE_GROUP');
  if (shareGroup !== undefined) {
    if (!SHARE_GROUP_PATTERN.test(shareGroup)) {
      r.problems.push(`INGEST_SHARE_GROUP must be 1-64 characters of A-Z, a-z, 0-9, _ and -, got "${shareGroup}"`);
    }
    if (!r.string('MQTT_URL')) r.problems.push('INGEST_SHARE_GROUP needs MQTT_URL (an external broker)');
    // The broker knows a group member by its client id: two gateways on the default would keep taking each
    // other's connection, and an id that changes at a restart strands what the broker queued for the old one.
    if (!r.string('INGEST_CLIENT_ID')) {
      r.problems.push('INGEST_CLIENT_ID must be set, different for each gateway, when INGEST_SHARE_GROUP is');
    }
  }
  const auditSampleRate = r.number('AUDIT_SAMPLE_RATE', 0.1, 0, 1);
  if (auditSampleRate < 0.1) {
    r.problems.push(`AUDIT_SAMPLE_RATE must not be below 0.1 (the policy's 10 %), got "${auditSampleRate}"`);
  }
  const compressAfterDays = r.int('POSITIONS_COMPRESS_AFTER_DAYS', 7, 0, 3650);
  const retentionDays = r.int('POSITIONS_RETENTION_DAYS', 1096, 0, 36_500);
  // Positions are the evidence of cases: a figure meant in months or years must not delete them in days.
  if (retentionDays > 0 && retentionDays < 30) {
    r.problems.push(`POSITIONS_RETENTION_DAYS must be 0 (keep for ever) or at least 30, got "${retentionDays}"`);
  } else if (retentionDays > 0 && compressAfterDays >= retentionDays) {
    r.problems.push(
      `POSITIONS_COMPRESS_AFTER_DAYS (${compressAfterDays}) must be below POSITIONS_RETENTION_DAYS (${retentionDays})`,
    );
  }
  // Fixes older than the packing age less half an hour take the gateway's checked path: at least an hour.
  const packAfterMinutes = r.int('POSITIONS_PACK_AFTER_MINUTES', 120, 60, 10_080);
  const config: AppConfig = {
    port: r.int('PORT', 3000, 0, 65535),
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    mqttUrl: r.url('MQTT_URL', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
    embeddedMqttPort: r.int('EMBEDDED_MQTT_PORT', 1883, 0, 65535),
    embeddedMqttHost: r.string('EMBEDDED_MQTT_HOST') ?? '127.0.0.1',
    brokerAccounts:
      dynsecUser !== undefined && dynsecPassword !== undefined
        ? { username: dynsecUser, password: dynsecPassword }
        : undefined,
    brokerAuthSecret,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    adminPassword,
    tzPolicy: r.timeZone('TZ_POLICY', 'Asia/Shanghai'),
    jwtSecret,
    jwtTtlSeconds: r.int('JWT_TTL_SECONDS', 3600, 60, 86_400),
    logLevel: r.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    embeddedPostgresPort: r.int('EMBEDDED_PG_PORT', 5433, 1, 65535),
    jt808Port: r.int('JT808_PORT', 6808, 0, 65535),
    jt808Host: r.string('JT808_HOST') ?? '0.0.0.0',
    metricsPort: r.string('METRICS_PORT') === undefined ? undefined : r.int('METRICS_PORT', 0, 0, 65535),
    metricsHost: r.string('METRICS_HOST') ?? '127.0.0.1',
    metricsToken,
    positions: { compressAfterDays, retentionDays, packAfterMinutes },
    ingest: {
      clientId: r.string('INGEST_CLIENT_ID') ?? 'oversight-gateway',
      shareGroup,
      batchSize: r.int('INGEST_BATCH_SIZE', 2000, 1, 100_000),
      flushMs: r.int('INGEST_FLUSH_MS', 1, 1, 100),
      maxUncommitted: r.int('INGEST_MAX_UNCOMMITTED', 20_000, 100, 1_000_000),
      offlineAfterSeconds: r.int('OFFLINE_AFTER_SECONDS', 300, 10, 86_400),
      mqttProtocolVersion: r.string('MQTT_PROTOCOL_VERSION')
        ? (Number(r.oneOf('MQTT_PROTOCOL_VERSION', '5', ['4', '5'])) as 4 | 5)
        : undefined,
      keepaliveSeconds: r.int('MQTT_KEEPALIVE_SECONDS', 30, 2, 3600),
    },
    detector: {
      partitions: r.int('DETECTOR_PARTITIONS', 16, 1, 1024),
      leaseSeconds: r.int('DETECTOR_LEASE_SECONDS', 15, 2, 600),
      checkpointPositions: r.int('DETECTOR_CHECKPOINT_POSITIONS', 1000, 1, 1_000_000),
      idleCheckpointSeconds: r.int('DETECTOR_IDLE_CHECKPOINT_SECONDS', 10, 0, 86_400),
    },
    terminalSilentHours: r.int('TERMINAL_SILENT_HOURS', 72, 1, 24 * 365),
    auditSampleRate,
    auditCatchUpWeeks: r.int('AUDIT_CATCH_UP_WEEKS', 8, 0, 52),
    fuel: {
      maxLPer100Km: fuelRates(r, r.string('FUEL_MAX_L_PER_100KM')),
      toleranceL: r.number('FUEL_TOLERANCE_L', 10, 0, 500),
    },
    evidenceMaxBytes: r.int('EVIDENCE_MAX_BYTES', 25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    signInPerAddressPerMinute: r.int('SIGNIN_PER_ADDRESS_PER_MINUTE', 60, 1, 100_000),
    bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    historyVerifySeconds: r.int('HISTORY_VERIFY_SECONDS', 600, 0, 7 * 86_400),
    historyHeadsFile: resolve(
      isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
      r.string('HISTORY_HEADS_FILE') ?? 'history-heads.jsonl',
    ),
    map: { tileUrl: r.tileUrl('MAP_TILE_URL'), tileSystem: r.oneOf('MAP_TILE_SYSTEM', 'wgs84', TILE_SYSTEMS) },
    notifications: {
      smtpUrl: r.url('SMTP_URL', ['smtp:', 'smtps:']),
      smtpFrom: r.string('SMTP_FROM') ?? 'oversight@localhost',
      maxAttempts: r.int('NOTIFY_MAX_ATTEMPTS', 8, 1, 50),
      retryBaseSeconds: r.int('NOTIFY_RETRY_BASE_SECONDS', 30, 1, 86_400),
      retryMaxSeconds: r.int('NOTIFY_RETRY_MAX_SECONDS', 3600, 1, 7 * 86_400),
      timeoutSeconds: r.int('NOTIFY_TIMEOUT_SECONDS', 10, 1, 300),
      publicUrl: r.url('PUBLIC_URL', ['http:', 'https:']),
      reportRecipients,
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
