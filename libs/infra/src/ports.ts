import { createServer } from 'node:net';
import type { AppConfig } from '#app/config';

/** A port the process is about to listen on, and how an operator moves it. */
export interface PortClaim {
  /** The config field that holds it. */
  key: 'port' | 'embeddedMqttPort' | 'embeddedPostgresPort' | 'jt808Port' | 'metricsPort';
  host: string;
  purpose: string;
  variable: string;
}

/** A port another program holds: start-up stops with one line that says which, what for and how to move it. */
export class PortTakenError extends Error {
  constructor(claim: PortClaim, port: number) {
    super(`port ${port} (${claim.purpose}) is already in use: set ${claim.variable} to another port`);
    this.name = 'PortTakenError';
  }
}

/** Whether host:port can be listened on now. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The ports this configuration will listen on: HTTP when the API runs, the JT/T 808 listener when the gateway
 * runs, the metrics listener when one is asked for, and what it embeds.
 */
export function portClaims(config: AppConfig, options: { http: boolean; jt808?: boolean }): PortClaim[] {
  const claims: PortClaim[] = [];
  if (options.http) {
    claims.push({ key: 'port', host: '0.0.0.0', purpose: 'the HTTP API and dashboard', variable: 'PORT' });
  }
  if (options.jt808 && config.jt808Port !== 0) {
    claims.push({
      key: 'jt808Port',
      host: config.jt808Host,
      purpose: 'the JT/T 808 listener for terminals',
      variable: 'JT808_PORT',
    });
  }
  if (config.metricsPort !== undefined && config.metricsPort !== 0) {
    claims.push({
      key: 'metricsPort',
      host: config.metricsHost,
      purpose: 'the metrics and health listener',
      variable: 'METRICS_PORT',
    });
  }
  if (!config.mqttUrl) {
    claims.push({
      key: 'embeddedMqttPort',
      host: config.embeddedMqttHost,
      purpose: 'the in-process MQTT broker for terminals',
      variable: 'EMBEDDED_MQTT_PORT',
    });
  }
  if (!config.databaseUrl) {
    claims.push({
      key: 'embeddedPostgresPort',
      host: '127.0.0.1',
      purpose: 'the embedded PostgreSQL',
      variable: 'EMBEDDED_PG_PORT',
    });
  }
  return claims;
}

const MOVE_TRIES = 50;

/**
 * Checks each claimed port before anything starts. A taken port stops start-up (PortTakenError), except where
 * `movable` says the operator left it to us (the demo, for a variable not set): it then moves to the next free
 * port above, and the returned config says where. Port 0 asks the system for any free port and is left as is.
 */
export async function claimPorts(
  config: AppConfig,
  claims: PortClaim[],
  movable: (claim: PortClaim) => boolean,
): Promise<{ config: AppConfig; moved: { claim: PortClaim; from: number; to: number }[] }> {
  const result: AppConfig = { ...config };
  const moved: { claim: PortClaim; from: number; to: number }[] = [];
  const taken = new Set<number>();
  for (const claim of claims) {
    const wanted = result[claim.key] ?? 0;
    if (wanted === 0) continue;
    if (!taken.has(wanted) && (await portIsFree(claim.host, wanted))) {
      taken.add(wanted);
      continue;
    }
    if (!movable(claim)) throw new PortTakenError(claim, wanted);
    let found: number | undefined;
    for (let port = wanted + 1; port <= Math.min(65535, wanted + MOVE_TRIES); port++) {
      if (!taken.has(port) && (await portIsFree(claim.host, port))) {
        found = port;
        break;
      }
    }
    if (found === undefined) throw new PortTakenError(claim, wanted);
    taken.add(found);
    result[claim.key] = found;
    moved.push({ claim, from: wanted, to: found });
  }
  return { config: result, moved };
}
