import { Controller, Inject, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { Ctx, EventPattern, MqttContext, Payload } from '@nestjs/microservices';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { attachLocalHandoff, HANDOFF_TOPIC_FILTER, partitionOfTopic, readHandoffBatch } from '#app/handoff';
import { rootLogger, type Logger } from '#app/logging';
import { DetectionEngine } from '../detection/detection.engine.js';
import { PartitionLeases } from '../partitions/partition-leases.js';
import { PartitionedHandoffServer } from './partitioned-handoff.server.js';

/** The transport of the detector app, when it has one (a module built without it hears nothing). */
export const HANDOFF_SERVER = Symbol('HANDOFF_SERVER');

/**
 * Listens to the gateway's hand-off of committed positions, on the topics of the partitions this detector
 * holds. The engine evaluates them at once for cars it already follows; the positions table stays the source
 * of truth, so a lost or repeated message changes nothing but latency (the catch-up finds what a lost message
 * carried).
 */
@Controller()
export class HandoffController implements OnModuleInit, OnModuleDestroy {
  private readonly log: Logger;
  private detachLocal?: () => void;
  private warnedMismatch = false;

  constructor(
    private readonly engine: DetectionEngine,
    private readonly leases: PartitionLeases,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(HANDOFF_SERVER) private readonly server?: PartitionedHandoffServer,
  ) {
    this.log = rootLogger(config.logLevel).child({ component: 'detector-handoff' });
    this.log.level = config.logLevel;
  }

  onModuleInit(): void {
    const server = this.server;
    if (!server) return;
    server.log = this.log;
    server.direct = (topic, data) => this.take(topic, data);
    // A gateway of this process hands the partitions followed over directly (libs/handoff, local.ts).
    this.detachLocal = attachLocalHandoff({
      follows: (partition) => server.follows(partition),
      take: (topic, batch) => this.take(topic, batch),
    });
    // Registered before the engine (which registers at bootstrap): a partition's topic is followed before its
    // cars are caught up from the table, so nothing committed in between waits for the next catch-up.
    this.leases.listen({ gained: (leases) => server.follow([...leases.keys()]), lost: (p) => server.unfollow(p) });
  }

  onModuleDestroy(): void {
    this.detachLocal?.();
  }

  @EventPattern<string>(HANDOFF_TOPIC_FILTER)
  received(@Payload() batch: unknown, @Ctx() context: MqttContext): void {
    this.take(context.getTopic(), batch);
  }

  /**
   * A hand-off message of a topic followed (from a gateway of this process, directly from the transport, or through
   * Nest's route above).
   */
  private take(topic: string, batch: unknown): void {
    const positions = readHandoffBatch(batch);
    if (positions.length === 0) return;
    const topicPartition = partitionOfTopic(topic);
    if (!this.warnedMismatch && topicPartition !== this.leases.partitionOf(positions[0].vehicleId)) {
      this.warnedMismatch = true;
      this.log.warn(
        { topic, partitions: this.leases.partitions },
        'the gateway splits the hand-off in another number of partitions than this detector: give both the same ' +
          'DETECTOR_PARTITIONS (until then positions reach this detector only through the catch-up)',
      );
    }
    this.engine.handoff(positions);
  }
}
