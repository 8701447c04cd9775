import { ServerMqtt } from '@nestjs/microservices';
import type { MqttClient } from 'mqtt';
import { handoffTopic } from '#app/handoff';
import type { Logger } from '#app/logging';

/** How long a hand-over waits for the broker to confirm a subscription before catching up from the table anyway. */
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

  override bindEvents(client: MqttClient): void {
    client.on('message', this.getMessageHandler(client).bind(this));
    // Partitions taken before the connection existed; mqtt.js subscribes again by itself after a reconnect.
    if (this.topics.size > 0) this.subscribe([...this.topics]);
  }

  /** Subscribes to these partitions' topics; resolves once the broker confirmed (or after a few seconds). */
  async follow(partitions: number[]): Promise<void> {
    const topics = partitions.map(handoffTopic);
    for (const t of topics) this.topics.add(t);
    if (this.client) await this.subscribe(topics);
  }

  async unfollow(partitions: number[]): Promise<void> {
    const topics = partitions.map(handoffTopic);
    for (const t of topics) this.topics.delete(t);
    await this.client?.unsubscribeAsync(topics).catch((err: unknown) => this.log?.warn({ err }, 'unsubscribe failed'));
  }

  private get client(): MqttClient | undefined {
    return this.mqttClient as MqttClient | undefined;
  }

  private async subscribe(topics: string[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)));
    const subscribed = this.client!.subscribeAsync(topics, { qos: 1 }).then(
      () => undefined,
      (err: unknown) => this.log?.warn({ err, topics }, 'subscribing to hand-off topics failed'),
    );
    await Promise.race([subscribed, waited]);
    clearTimeout(timer);
  }
}
