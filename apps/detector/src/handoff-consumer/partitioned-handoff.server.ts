import { ServerMqtt } from '@nestjs/microservices';
import type { MqttClient } from 'mqtt';
import { handoffTopic } from '#app/handoff';
import type { Logger } from '#app/logging';

/** How long a hand-over waits for the broker to confirm a (un)subscription before going on anyway. */
const SUBSCRIBE_WAIT_MS = 5_000;

/**
 * The detector's MQTT transport: Nest's, except that it subscribes to no topic by itself — only to the hand-off
 * topics of the partitions the detector holds (`follow`), so each detector receives its own cars' positions and
 * no one else's. The broker forgets a topic's messages while no detector follows it; the one that takes the
 * partition reads them from the positions table.
 */
export class PartitionedHandoffServer extends ServerMqtt {
  private readonly topics = new Set<string>();
  log?: Logger;
  /**
   * Set by the hand-off controller: the messages of the topics followed go straight to it, past Nest's routing,
   * context and pipes (on this route none are configured; at 2,000 positions/s they cost as much CPU as the
   * rules). Other messages take Nest's way.
   */
  direct?: (topic: string, data: unknown) => void;

  override handleMessage(
    channel: string,
    buffer: Buffer,
    pub: MqttClient,
    originalPacket?: Record<string, unknown>,
  ): Promise<unknown> {
    if (!this.direct || !this.topics.has(channel)) return super.handleMessage(channel, buffer, pub, originalPacket);
    // Nest's serialisation on the gateway's side: { pattern, data }.
    try {
      const packet = this.parseMessage(buffer.toString()) as { data?: unknown } | string;
      if (typeof packet === 'object' && packet !== null) this.direct(channel, packet.data);
    } catch (err) {
      this.log?.warn({ err, topic: channel }, 'a hand-off message could not be read; the catch-up reads its positions');
    }
    return Promise.resolve();
  }

  override bindEvents(client: MqttClient): void {
    client.on('message', this.getMessageHandler(client).bind(this));
    // Partitions taken before the connection existed; mqtt.js subscribes again by itself after a reconnect.
    if (this.topics.size > 0) void this.subscribe([...this.topics]);
  }

  /** Whether the partition's topic is followed (its positions are this detector's). */
  follows(partition: number): boolean {
    return this.topics.has(handoffTopic(partition));
  }

  /** Subscribes to these partitions' topics; resolves once the broker confirmed (or after a few seconds). */
  async follow(partitions: number[]): Promise<void> {
    const topics = partitions.map(handoffTopic);
    for (const t of topics) this.topics.add(t);
    if (this.client) await this.subscribe(topics);
  }

  /** Unsubscribes (without waiting long for a broker that is away: a reconnect subscribes only what is followed). */
  async unfollow(partitions: number[]): Promise<void> {
    const topics = partitions.map(handoffTopic);
    for (const t of topics) this.topics.delete(t);
    if (this.client) await this.briefly(this.client.unsubscribeAsync(topics), 'unsubscribing from', topics);
  }

  private get client(): MqttClient | undefined {
    return this.mqttClient as MqttClient | undefined;
  }

  private subscribe(topics: string[]): Promise<void> {
    return this.briefly(this.client!.subscribeAsync(topics, { qos: 1 }), 'subscribing to', topics);
  }

  /** Waits for the broker's answer a few seconds at most: the table catch-up covers what a late answer misses. */
  private async briefly(answer: Promise<unknown>, doing: string, topics: string[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)));
    const settled = answer.then(
      () => undefined,
      (err: unknown) => this.log?.warn({ err, topics }, `${doing} hand-off topics failed`),
    );
    await Promise.race([settled, waited]);
    clearTimeout(timer);
  }
}
