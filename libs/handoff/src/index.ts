export {
  HANDOFF_PARTITIONS,
  HANDOFF_TOPIC_FILTER,
  HANDOFF_TOPIC_PREFIX,
  handoffPartition,
  handoffTopic,
  partitionForHandoff,
  partitionOfTopic,
  readHandoffBatch,
  toHandoffRow,
} from './handoff.js';
export type { HandoffBatch, HandoffPosition, HandoffRow } from './handoff.js';
export { attachLocalHandoff, localHandoffFor } from './local.js';
export type { LocalHandoffSink } from './local.js';
