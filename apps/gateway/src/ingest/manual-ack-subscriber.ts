import { quietMqttLog } from '#app/infra';
import mqtt, {
  type IClientOptions,
  type IPublishPacket,
  type ISubscriptionGrant,
  type MqttClient,
  type Packet,
} from 'mqtt';

/**
 * A truthy value passed to MQTT.js's `handleMessage` callback makes it skip its own PUBACK and carry on
 * reading the socket (mqtt 5.16.0, lib/handlers/publish.js). The PUBACK is then ours to send after the commit.
 */
const SKIP_AUTOMATIC_PUBACK = new Error('PUBACK is sent after the database commit');
/** PUBACK's fixed header: packet type 4, no flags. */
const PUBACK_HEADER = 0x40;

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  qos: number;
  contentType?: string;
  /** Sends the PUBACK on the connection the message came on; false (nothing sent) once that is gone. */
  ack(): boolean;
  /** Whether the connection it came on is still the current one (else the broker will send it again). */
  alive(): boolean;
}

export interface SubscriberOptions extends IClientOptions {
  topics: string[];
  /** Filters the session may still hold from an earlier setting, given up on every connect. */
  unsubscribe?: string[];
  /** Called on each connection once the broker has answered the subscriptions (and unsubscriptions). */
  onSubscribed?: (granted: ISubscriptionGrant[]) => void;
  /** Called when the broker refuses a subscription (not authorized, no shared subscriptions…). */
  onRefused?: (error: Error) => void;
}

/**
 * An MQTT client that acknowledges QoS 1 messages only when told to (after the database commit), and stops
 * reading from the broker while the consumer says it holds too much: the broker keeps the rest.
 */
export class ManualAckSubscriber {
  readonly client: MqttClient;
  private held: (() => void) | null = null;
  private lastReceivedAt = 0;
  /** PUBACKs waiting for the end of this turn of the event loop, and the connection they belong to. */
  private ackBytes = Buffer.allocUnsafe(16 * 4);
  private ackCount = 0;
  private ackStream?: MqttClient['stream'];
  private ackScheduled = false;

  /** `consume` returns false to pause reading until resume() is called. */
  constructor(
    url: string,
    options: SubscriberOptions,
    private readonly consume: (message: InboundMessage) => boolean,
  ) {
    const { topics, unsubscribe = [], onSubscribed, onRefused, ...clientOptions } = options;
    this.client = mqtt.connect(url, { ...quietMqttLog, ...clientOptions, manualConnect: true, resubscribe: false });
    this.client.handleMessage = (packet, done) => this.onPublish(packet, done);
    this.client.on('packetreceive', () => (this.lastReceivedAt = Date.now()));
    // MQTT.js declares the connection dead when a PINGRESP has not been *processed* 1.5 keepalives after the
    // last one. A PINGRESP can be late for reasons that prove nothing about the link: it queues behind the
    // broker's backlog of PUBLISH packets, or behind the packets this client stops reading while the
    // database is slow. While either is the case, keep pinging (the broker needs to hear from us) instead of
    // tearing down a working connection, which would make the broker resend everything in flight.
    const keepaliveMs = (clientOptions.keepalive ?? 60) * 1000;
    const timeout = this.client.onKeepaliveTimeout.bind(this.client);
    this.client.onKeepaliveTimeout = () => {
      if (this.paused || Date.now() - this.lastReceivedAt < keepaliveMs) this.client.sendPing();
      else timeout();
    };
    // Subscribing on every connect also covers a broker that lost its session store; a resumed session
    // makes it a no-op. (MQTT.js's own resubscription is switched off so it happens once.) The subscription
    // goes first, so a change of filters never leaves a moment with neither.
    this.client.on('connect', () => {
      const subscribed = topics.length > 0 ? this.client.subscribeAsync(topics, { qos: 1 }) : Promise.resolve([]);
      const left = unsubscribe.length > 0 ? this.client.unsubscribeAsync(unsubscribe) : Promise.resolve(undefined);
      // MQTT.js fails the subscription with the broker's reason code when it refuses; a connection lost before
      // the answers fails it without one, and the next connection asks again.
      Promise.all([subscribed, left]).then(
        ([granted]) => onSubscribed?.(granted),
        (error: Error & { code?: unknown }) => (typeof error.code === 'number' ? onRefused?.(error) : undefined),
      );
    });
  }

  start(): void {
    this.client.connect();
  }

  /** Lets the client read again after consume() returned false. */
  resume(): void {
    const held = this.held;
    this.held = null;
    held?.();
  }

  get paused(): boolean {
    return this.held !== null;
  }

  /**
   * Ends the connection after what is queued on it (the last PUBACKs) is sent; forced after a few seconds.
   * `endSession`: the broker forgets the session at once (MQTT 5; a 3.1.1 session stays, with what it holds).
   */
  async stop(endSession = false): Promise<void> {
    this.writeAcks();
    this.held = null;
    const mqtt5 = this.client.options.protocolVersion === 5;
    const graceful = this.client.endAsync(
      false,
      endSession && mqtt5 ? { properties: { sessionExpiryInterval: 0 } } : undefined,
    );
    const timer = setTimeout(() => void this.client.endAsync(true).catch(() => undefined), 3_000);
    try {
      await graceful;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * PUBACKs asked for in one turn of the event loop (a committed batch) leave in one write of four bytes each.
   * Through MQTT.js's packet writer each cost an object and three writes to the socket stream, a tenth of the
   * gateway's work per message. The bytes are those of a PUBACK with success and no properties, the same in
   * MQTT 3.1.1 and 5. They are written only on the connection the messages came on: on a new one the broker
   * sends the messages again.
   */
  private queueAck(stream: MqttClient['stream'], messageId: number): void {
    if (this.ackStream !== stream) {
      this.writeAcks();
      this.ackStream = stream;
    }
    if (this.ackCount * 4 === this.ackBytes.length) {
      const grown = Buffer.allocUnsafe(this.ackBytes.length * 2);
      this.ackBytes.copy(grown);
      this.ackBytes = grown;
    }
    const at = this.ackCount++ * 4;
    this.ackBytes[at] = PUBACK_HEADER;
    this.ackBytes[at + 1] = 2;
    this.ackBytes[at + 2] = messageId >> 8;
    this.ackBytes[at + 3] = messageId & 0xff;
    if (!this.ackScheduled) {
      this.ackScheduled = true;
      process.nextTick(() => this.writeAcks());
    }
  }

  private writeAcks(): void {
    this.ackScheduled = false;
    const count = this.ackCount;
    if (count === 0) return;
    this.ackCount = 0;
    const client = this.client;
    if (client.stream !== this.ackStream || !client.connected) return;
    client.stream.write(Buffer.from(this.ackBytes.subarray(0, count * 4)));
    // What MQTT.js's own writer reports, for whoever watches the packets sent.
    if (client.listenerCount('packetsend') > 0) {
      for (let i = 0; i < count; i++) {
        const puback: Packet = { cmd: 'puback', messageId: this.ackBytes.readUInt16BE(i * 4 + 2) };
        client.emit('packetsend', puback);
      }
    }
  }

  private onPublish(packet: IPublishPacket, done: (error?: Error) => void): void {
    const client = this.client;
    const stream = client.stream;
    const { messageId, qos } = packet;
    let acked = false;
    const alive = () => client.stream === stream && client.connected;
    const ack = (): boolean => {
      if (qos === 0 || acked) return true;
      if (!alive() || messageId === undefined) return false;
      acked = true;
      this.queueAck(stream, messageId);
      return true;
    };
    const keepReading = this.consume({
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos,
      contentType: packet.properties?.contentType,
      ack,
      alive,
    });
    const release = () => (qos === 0 ? done() : done(SKIP_AUTOMATIC_PUBACK));
    if (keepReading) return release();
    // Hold the callback: MQTT.js stops parsing, the socket fills, the broker queues the rest.
    const previous = this.held;
    this.held = release;
    previous?.();
  }
}
