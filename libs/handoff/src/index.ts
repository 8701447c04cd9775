export {
  HANDOFF_PARTITIONS,
  HANDOFF_TOPIC_FILTER,
  HANDOFF_TOPIC_PREFIX,
  handoffPartition,
  handoffTopic,
  partitionForHandoff,
  toHandoffPosition,
} from './handoff.js';
export type { HandoffBatch, HandoffPosition } from './handoff.js';
