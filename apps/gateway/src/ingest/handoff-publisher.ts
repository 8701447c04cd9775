import mqtt, { type MqttClient } from 'mqtt';
import { quietMqttLog } from '#app/infra';
import { localHandoffFor, partitionForHandoff, partitionOfTopic, toHandoffRow, type HandoffRow } from '#app/handoff';
import type { Logger } from '#app/logging';
import type { AcceptedPosition } from './flush-writer.js';

/**
 * Sends committed positions to the detector over the internal MQTT topics (best effort: the table is the log), or
 * directly to a detector of the same process for the partitions it follows.
 * The detector reads them as Nest MQTT events: `{"pattern": topic, "data": batch}` in JSON, written here as
 * Nest's client wrote it, without its per-message layers (record builder, observable, serialiser).
 */
export class HandoffPublisher {
  private readonly client: MqttClient;

  constructor(
    url: string,
    clientId: string,
    username: string | undefined,
    password: string | undefined,
    private readonly log: Logger,
    /** DETECTOR_PARTITIONS: the detectors subscribe by partition, so every gateway must split the same way. */
    private readonly partitions: number,
  ) {
    this.client = mqtt.connect(url, {
      ...quietMqttLog,
      clientId,
      username,
      password,
      clean: true,
      reconnectPeriod: 1000,
    });
    this.client.on('error', (error) => this.log.warn({ err: error }, 'hand-off connection error'));
  }

  publish(positions: AcceptedPosition[]): void {
    // One publisher and in-order QoS 1 publishes keep each vehicle's positions in order. With several gateways a
    // car's messages are spread over them, and so are its positions here: the detector evaluates one that
    // arrives behind a newer one again from its last snapshot (docs/detector.md), so order costs time, not findings.
    const forDetector: HandoffRow[] = [];
    for (const p of positions) if (p.vehicleId) forDetector.push(toHandoffRow(p, p.vehicleId));
    if (forDetector.length === 0) return;
    for (const [topic, batch] of partitionForHandoff(forDetector, this.partitions)) {
      // A detector of this process that follows the partition takes the batch directly (libs/handoff, local.ts).
      const local = localHandoffFor(partitionOfTopic(topic)!);
      if (local) {
        try {
          local.take(topic, batch);
        } catch (error) {
          this.log.warn({ err: error, topic }, 'hand-off to the detector of this process failed');
        }
        continue;
      }
      this.client.publish(topic, JSON.stringify({ pattern: topic, data: batch }), { qos: 1 }, (error) => {
        if (error) this.log.warn({ err: error, topic }, 'hand-off to the detector failed');
      });
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
