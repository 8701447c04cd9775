import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Logger } from '#app/logging';

/** Who a connecting client turned out to be. */
export type BrokerIdentity = { kind: 'internal' } | { kind: 'terminal'; terminalId: string };

export type BrokerAuthenticator = (
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
) => Promise<BrokerIdentity | null>;

export interface EmbeddedBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const TERMINAL_TOPIC = /^telematics\/v1\/([^/]+)\//;

function authError(): AuthenticateError {
  const error = new Error('bad username or password') as AuthenticateError;
  error.returnCode = 4; // BAD_USERNAME_OR_PASSWORD
  return error;
}

/**
 * The in-process MQTT 3.1.1 broker of the embedded default. Terminals sign in with their id and secret,
 * may publish only under `telematics/v1/{their id}/…` and may not subscribe to others' data.
 */
export async function startEmbeddedBroker(
  port: number,
  authenticate: BrokerAuthenticator,
  log: Logger,
): Promise<EmbeddedBroker> {
  const identities = new WeakMap<object, BrokerIdentity>();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      authenticate(client.id, username, password).then(
        (identity) => {
          if (!identity) {
            log.warn({ clientId: client.id, username }, 'MQTT sign-in refused');
            return done(authError(), false);
          }
          identities.set(client, identity);
          done(null, true);
        },
        (error: unknown) => {
          log.error({ err: error, clientId: client.id }, 'MQTT sign-in could not be checked');
          const unavailable = new Error('server unavailable') as AuthenticateError;
          unavailable.returnCode = 3;
          done(unavailable, false);
        },
      );
    },
    authorizePublish: (client, packet, done) => {
      const identity = client ? identities.get(client) : undefined;
      if (identity?.kind === 'internal') return done(null);
      const match = TERMINAL_TOPIC.exec(packet.topic);
      if (identity?.kind === 'terminal' && match && match[1] === identity.terminalId) return done(null);
      log.warn({ clientId: client?.id, topic: packet.topic }, 'publish outside the terminal’s own topic refused');
      done(new Error(`not allowed to publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, subscription, done) => {
      const identity = identities.get(client);
      if (identity?.kind === 'internal') return done(null, subscription);
      if (identity?.kind === 'terminal' && subscription.topic.startsWith(`telematics/v1/${identity.terminalId}/`)) {
        return done(null, subscription);
      }
      done(new Error(`not allowed to subscribe to ${subscription.topic}`));
    },
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  log.info({ port: actualPort }, 'in-process MQTT broker is listening');
  return {
    url: `mqtt://127.0.0.1:${actualPort}`,
    port: actualPort,
    stop: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
