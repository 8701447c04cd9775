import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { HANDOFF_TOPIC_FILTER, type HandoffBatch } from '#app/handoff';
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
  received(@Payload() batch: HandoffBatch): void {
    if (!batch || !Array.isArray(batch.positions)) return;
    this.engine.handoff(
      batch.positions.filter(
        (p) => typeof p?.vehicleId === 'string' && typeof p.fixTime === 'number' && typeof p.receivedAt === 'number',
      ),
    );
  }
}
