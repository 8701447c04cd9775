import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Logger } from '#app/logging';
import { mayPublish, maySubscribe, type BrokerIdentity } from './broker-rules.js';

export type BrokerAuthenticator = (
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
) => Promise<BrokerIdentity | null>;

/** A terminal's QoS 1 publish, held until the consumer says it is stored. */
export interface IntakeMessage {
  topic: string;
  payload: Buffer;
  /** Lets the broker send the PUBACK; false when the terminal's connection is gone (it will send again). */
  ack(): boolean;
  /** Whether the terminal's connection is still open. */
  alive(): boolean;
}

/**
 * The in-process gateway takes terminals' messages straight from the broker: their PUBACK leaves only when
 * the gateway calls ack() after the commit, so a terminal is never told a position is safe before it is.
 */
export interface TerminalIntake {
  /** Starts handing messages to `sink` (held ones first); returns the detach function. */
  attach(sink: (message: IntakeMessage) => void): () => void;
}

export interface EmbeddedBroker {
  url: string;
  port: number;
  intake: TerminalIntake;
  stop(): Promise<void>;
}

/** Messages that arrive while no gateway takes them wait (unacknowledged) up to this many. */
const HELD_MAX = 100_000;

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
  host: string,
  port: number,
  authenticate: BrokerAuthenticator,
  log: Logger,
): Promise<EmbeddedBroker> {
  const identities = new WeakMap<object, BrokerIdentity>();
  let sink: ((message: IntakeMessage) => void) | undefined;
  let held: IntakeMessage[] = [];
  const intake: TerminalIntake = {
    attach(next) {
      sink = next;
      const waiting = held;
      held = [];
      for (const message of waiting) if (message.alive()) next(message);
      return () => {
        if (sink === next) sink = undefined;
      };
    },
  };
  /** A terminal's message goes to the gateway; its PUBACK (aedes sends it once `done` is called) waits. */
  const take = (client: { closed: boolean }, packet: { topic: string; payload: Buffer | string }, done: () => void) => {
    let acked = false;
    // A closed client's message is its will, which the broker publishes for it: no connection to wait for.
    const will = client.closed;
    const message: IntakeMessage = {
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      ack: () => {
        if (acked) return true;
        if (client.closed && !will) return false;
        acked = true;
        done();
        return true;
      },
      alive: () => will || !client.closed,
    };
    if (sink) return sink(message);
    if (held.length >= HELD_MAX) held = held.filter((m) => m.alive());
    if (held.length < HELD_MAX) held.push(message);
  };
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
      if (mayPublish(identity, packet.topic)) {
        // Handed to the gateway; aedes sends the PUBACK (and passes the message on) once it is stored.
        return take(client!, packet, () => done(null));
      }
      log.warn({ clientId: client?.id, topic: packet.topic }, 'publish outside the terminal’s own topic refused');
      done(new Error(`not allowed to publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, subscription, done) => {
      if (maySubscribe(identities.get(client), subscription.topic)) return done(null, subscription);
      done(new Error(`not allowed to subscribe to ${subscription.topic}`));
    },
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  log.info({ host, port: actualPort }, 'in-process MQTT broker is listening');
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `mqtt://${reachable.includes(':') ? `[${reachable}]` : reachable}:${actualPort}`,
    port: actualPort,
    intake,
    stop: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
