import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '#app/logging';

/**
 * Mosquitto 2's dynamic-security plugin, driven over its control topic: terminal accounts and topic rights
 * follow the registry the moment it changes, with no file for anyone to regenerate.
 *
 * Each terminal is a client whose username and client id are its terminal id, with a role of its own that
 * may publish only under `telematics/v1/{id}/…` (Mosquitto 2.0's plugin has no `%c` substitution in ACLs).
 * The service's own account reads the terminal topics and the dropped-message counter and owns `internal/…`.
 */
const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
const ANSWER_MS = 10_000;

export const SERVICE_ROLE = 'oversight-service';
const TERMINAL_ROLE_PREFIX = 'oversight-terminal-';
/** Written on every client the service creates, so it never touches accounts someone else made. */
const TERMINAL_TEXT = 'oversight terminal';

interface Command {
  command: string;
  [field: string]: unknown;
}

interface Answer {
  command: string;
  error?: string;
  correlationData?: string;
  data?: Record<string, unknown>;
}

export class BrokerAccountError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
  ) {
    super(`the broker refused ${command}: ${reason}`);
  }
}

type Acl = { acltype: string; topic: string; allow: boolean };

function terminalAcls(terminalId: string): Acl[] {
  return [{ acltype: 'publishClientSend', topic: `telematics/v1/${terminalId}/#`, allow: true }];
}

const SERVICE_ACLS: Acl[] = [
  { acltype: 'subscribePattern', topic: 'telematics/v1/#', allow: true },
  { acltype: 'subscribePattern', topic: '$share/+/telematics/v1/#', allow: true },
  { acltype: 'subscribePattern', topic: '$SYS/broker/publish/messages/dropped', allow: true },
  { acltype: 'publishClientSend', topic: 'internal/#', allow: true },
  { acltype: 'subscribePattern', topic: 'internal/#', allow: true },
  { acltype: 'subscribePattern', topic: '$share/+/internal/#', allow: true },
];

export class DynamicSecurity {
  private readonly waiting = new Map<string, (answer: Answer) => void>();

  private constructor(
    private readonly client: MqttClient,
    private readonly log: Logger,
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== RESPONSE_TOPIC) return;
      let answers: Answer[] = [];
      try {
        answers = (JSON.parse(payload.toString('utf8')) as { responses?: Answer[] }).responses ?? [];
      } catch {
        return;
      }
      for (const answer of answers) {
        const done = answer.correlationData ? this.waiting.get(answer.correlationData) : undefined;
        if (done) {
          this.waiting.delete(answer.correlationData!);
          done(answer);
        }
      }
    });
  }

  /** Connects as the plugin's administrator (a client with the plugin's `admin` role). */
  static async connect(url: string, username: string, password: string, log: Logger): Promise<DynamicSecurity> {
    const client = await mqtt.connectAsync(url, {
      username,
      password,
      clientId: `oversight-dynsec-${randomUUID().slice(0, 8)}`,
      protocolVersion: 5,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
      clean: true,
    });
    client.on('error', (error) => log.warn({ err: error }, 'broker account connection: error'));
    const granted = await client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    if (granted.some((g) => g.qos > 2)) {
      await client.endAsync(true);
      throw new BrokerAccountError('subscribe', `${username} may not use the dynamic-security control topic`);
    }
    return new DynamicSecurity(client, log);
  }

  /** Runs commands in order; the answers come back in the same order. `tolerate` lists errors that mean "already so". */
  async run(commands: Command[], tolerate: RegExp = /^$/): Promise<Answer[]> {
    const tagged = commands.map((c) => ({ ...c, correlationData: randomUUID() }));
    const answers = tagged.map(
      (c) =>
        new Promise<Answer>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.waiting.delete(c.correlationData);
            reject(new BrokerAccountError(c.command, `no answer within ${ANSWER_MS / 1000} s`));
          }, ANSWER_MS);
          this.waiting.set(c.correlationData, (answer) => {
            clearTimeout(timer);
            resolve(answer);
          });
        }),
    );
    await this.client.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
    const results = await Promise.all(answers);
    for (const answer of results) {
      if (answer.error && !tolerate.test(answer.error)) throw new BrokerAccountError(answer.command, answer.error);
    }
    return results;
  }

  /** The service's own account and role, created or brought up to date (idempotent). */
  async ensureServiceAccount(username: string, password: string): Promise<void> {
    await this.run([{ command: 'createRole', rolename: SERVICE_ROLE, textname: 'the oversight service' }], /exists/i);
    await this.run(
      SERVICE_ACLS.map((acl) => ({ command: 'addRoleACL', rolename: SERVICE_ROLE, ...acl })),
      /exists/i,
    );
    const [created] = await this.run(
      [{ command: 'createClient', username, password, roles: [{ rolename: SERVICE_ROLE }] }],
      /exists/i,
    );
    if (created.error) {
      await this.run([
        { command: 'setClientPassword', username, password },
        { command: 'addClientRole', username, rolename: SERVICE_ROLE },
        { command: 'enableClient', username },
      ]);
    }
  }

  /** A newly registered terminal: it may connect and publish under its own topic at once. */
  async addTerminal(terminalId: string, secret: string): Promise<void> {
    const rolename = `${TERMINAL_ROLE_PREFIX}${terminalId}`;
    await this.run([{ command: 'createRole', rolename, acls: terminalAcls(terminalId) }], /exists/i);
    const [created] = await this.run(
      [
        {
          command: 'createClient',
          username: terminalId,
          clientid: terminalId,
          password: secret,
          textname: TERMINAL_TEXT,
          roles: [{ rolename }],
        },
      ],
      /exists/i,
    );
    // A terminal id registered once before (and removed from the registry) gets the new secret.
    if (created.error) await this.setTerminalSecret(terminalId, secret, true);
  }

  async setTerminalSecret(terminalId: string, secret: string, enable = false): Promise<void> {
    await this.run([
      { command: 'setClientPassword', username: terminalId, password: secret },
      ...(enable ? [{ command: 'enableClient', username: terminalId }] : []),
    ]);
  }

  /** Disabling also disconnects a terminal that is connected now. */
  async setTerminalEnabled(terminalId: string, enabled: boolean): Promise<void> {
    await this.run([{ command: enabled ? 'enableClient' : 'disableClient', username: terminalId }], /not found/i);
  }

  async removeTerminal(terminalId: string): Promise<void> {
    await this.run(
      [
        { command: 'deleteClient', username: terminalId },
        { command: 'deleteRole', rolename: `${TERMINAL_ROLE_PREFIX}${terminalId}` },
      ],
      /not found/i,
    );
  }

  /**
   * Brings the broker in line with the registry after the service was away: terminal accounts whose terminal
   * is no longer active (or no longer registered) are disabled, active ones enabled. Secrets cannot be
   * restored from the registry's hashes, so a terminal the broker never knew needs a new secret.
   */
  async syncTerminals(active: Set<string>): Promise<{ disabled: string[]; missing: string[] }> {
    const [list] = await this.run([{ command: 'listClients', verbose: true, count: -1 }]);
    const clients = (
      (list.data?.clients ?? []) as { username: string; textname?: string; disabled?: boolean }[]
    ).filter((c) => c.textname === TERMINAL_TEXT);
    const known = new Set(clients.map((c) => c.username));
    const disabled: string[] = [];
    const changes: Command[] = [];
    for (const c of clients) {
      const shouldBeOn = active.has(c.username);
      if (shouldBeOn && c.disabled) changes.push({ command: 'enableClient', username: c.username });
      if (!shouldBeOn && !c.disabled) {
        changes.push({ command: 'disableClient', username: c.username });
        disabled.push(c.username);
      }
    }
    if (changes.length > 0) await this.run(changes);
    const missing = [...active].filter((id) => !known.has(id));
    if (missing.length > 0) {
      this.log.warn(
        { count: missing.length, first: missing.slice(0, 5) },
        'active terminals without a broker account: issue each a new secret (POST /api/v1/terminals/{id}/secret)',
      );
    }
    return { disabled, missing };
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
