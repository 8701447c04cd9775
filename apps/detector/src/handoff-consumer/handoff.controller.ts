import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { HANDOFF_TOPIC_FILTER, readHandoffBatch } from '#app/handoff';
import { DetectionEngine } from '../detection/detection.engine.js';

/**
 * Listens to the gateway's hand-off of committed positions. The engine evaluates them at once for cars it
 * already follows; the positions table stays the source of truth, so a lost or repeated message changes
 * nothing but latency (the catch-up finds what a lost message carried).
 */
@Controller()
export class HandoffController {
  constructor(private readonly engine: DetectionEngine) {}

  @EventPattern<string>(HANDOFF_TOPIC_FILTER)
  received(@Payload() batch: unknown): void {
    const positions = readHandoffBatch(batch);
    if (positions.length > 0) this.engine.handoff(positions);
  }
}
