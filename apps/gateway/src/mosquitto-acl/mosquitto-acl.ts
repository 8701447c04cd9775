import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';

/** One line of a Mosquitto 2 password file (PBKDF2-SHA512, the `$7$` format `mosquitto_passwd` writes). */
export function mosquittoPasswordLine(username: string, password: string, salt = randomBytes(12)): string {
  const iterations = 101;
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `${username}:$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export interface ServiceUser {
  username: string;
  password: string;
}

/**
 * The ACL of an external Mosquitto, from the registry: each active terminal may publish only under its own
 * topic; the service's user reads terminal topics and the dropped-message counter and owns internal/.
 * Deactivated terminals get no line, so the broker refuses their publishes.
 */
export async function buildMosquittoAcl(db: pg.ClientBase | pg.Pool, serviceUser: string): Promise<string> {
  const { rows } = await db.query<{ terminal_id: string }>(
    'SELECT terminal_id FROM terminals WHERE active ORDER BY terminal_id',
  );
  const lines = [
    '# Generated from the terminal registry by `npm run mosquitto:acl`; do not edit by hand.',
    `user ${serviceUser}`,
    'topic read telematics/v1/+/position',
    'topic read telematics/v1/+/positions',
    'topic read telematics/v1/+/status',
    'topic read $SYS/broker/publish/messages/dropped',
    'topic readwrite internal/#',
    '',
  ];
  for (const { terminal_id: id } of rows) {
    lines.push(`user ${id}`, `topic write telematics/v1/${id}/position`, `topic write telematics/v1/${id}/positions`);
    lines.push(`topic write telematics/v1/${id}/status`, '');
  }
  return lines.join('\n');
}

/**
 * The password file holds the service's own user. Terminal secrets are stored only as hashes, so their
 * lines are added when a secret is issued (`mosquitto_passwd -b passwd <terminalId> <secret>`); lines for
 * terminals that are no longer registered are dropped.
 */
export async function buildPasswordFile(
  db: pg.ClientBase | pg.Pool,
  service: ServiceUser,
  existing: string,
): Promise<string> {
  const { rows } = await db.query<{ terminal_id: string }>('SELECT terminal_id FROM terminals WHERE active');
  const active = new Set(rows.map((r) => r.terminal_id));
  const kept = existing
    .split('\n')
    .filter((line) => line.includes(':'))
    .filter((line) => active.has(line.slice(0, line.indexOf(':'))));
  return [mosquittoPasswordLine(service.username, service.password), ...kept, ''].join('\n');
}
