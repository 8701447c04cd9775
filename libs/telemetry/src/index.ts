export {
  decodePositionMessage,
  judgePosition,
  MAX_AGE_MS,
  MAX_AHEAD_MS,
  MAX_BATCH_POSITIONS,
  MAX_PAYLOAD_BYTES,
} from './decode.js';
export type { DecodedMessage, MessageKind, PositionRecord, Rejection } from './position.js';
export { encodePositionBatchProto, encodePositionProto, telematicsTypes } from './proto.js';
export type { ProtoPosition } from './proto.js';
export { REJECTION_MESSAGES, REJECTION_REASONS } from './reasons.js';
export type { RejectionReason } from './reasons.js';
export { parseTerminalTopic, TERMINAL_ID_PATTERN, TERMINAL_TOPIC_FILTERS, terminalTopic } from './topics.js';
export type { ParsedTopic } from './topics.js';
