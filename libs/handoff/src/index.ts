export {
  HANDOFF_PARTITIONS,
  HANDOFF_TOPIC_FILTER,
  HANDOFF_TOPIC_PREFIX,
  encodeHandoffBatches,
  handoffPartition,
  handoffTopic,
  partitionForHandoff,
  partitionOfTopic,
  readHandoffBatch,
  toHandoffRow,
} from './handoff.js';
export type { HandoffBatch, HandoffPosition, HandoffRow, HandoffSource } from './handoff.js';
