import { timingSafeEqual } from 'node:crypto';
import { verifySecret } from '#app/crypto';

/**
 * Who may sign in to a broker and what they may do there — one set of rules for the in-process broker and
 * for an external one that asks the API (EMQX's HTTP authentication and authorization).
 */
export type BrokerIdentity = { kind: 'internal' } | { kind: 'terminal'; terminalId: string };

/** A terminal's own subtree; what it sends there is judged (and a bad kind recorded) by the gateway. */
const TERMINAL_TREE = /^telematics\/v1\/([^/]+)\//;

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A terminal signs in with its id as client id and username, and the secret issued at registration. */
export async function identifyTerminal(
  rowsOf: (sql: string, params: unknown[]) => Promise<{ secret_hash: string; active: boolean }[]>,
  clientId: string,
  username: string,
  secret: string,
): Promise<BrokerIdentity | null> {
  if (!username || !secret || clientId !== username) return null;
  const [terminal] = await rowsOf('SELECT secret_hash, active FROM terminals WHERE terminal_id = $1', [username]);
  if (!terminal || !terminal.active || !verifySecret(secret, terminal.secret_hash)) return null;
  return { kind: 'terminal', terminalId: username };
}

/** A terminal publishes only under its own topic; the service's own clients anywhere. */
export function mayPublish(identity: BrokerIdentity | null | undefined, topic: string): boolean {
  if (identity?.kind === 'internal') return true;
  const match = TERMINAL_TREE.exec(topic);
  return identity?.kind === 'terminal' && match !== null && match[1] === identity.terminalId;
}

/** Terminals subscribe only under their own topic (never to another's data); the service's own clients anywhere. */
export function maySubscribe(identity: BrokerIdentity | null | undefined, filter: string): boolean {
  if (identity?.kind === 'internal') return true;
  return identity?.kind === 'terminal' && filter.startsWith(`telematics/v1/${identity.terminalId}/`);
}
