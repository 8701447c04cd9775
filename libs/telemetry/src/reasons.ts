/** Why a terminal message (or one item of a batch) was not stored: the contract's reason codes. */
export type RejectionReason =
  | 'MALFORMED'
  | 'SCHEMA'
  | 'UNKNOWN_TERMINAL'
  | 'INACTIVE_TERMINAL'
  | 'OUT_OF_RANGE'
  | 'NULL_ISLAND'
  | 'FUTURE'
  | 'TOO_OLD'
  | 'TOO_LARGE'
  // JT/T 808 frames (terminal-jt808.md)
  | 'CHECKSUM'
  | 'FRAME'
  | 'UNSUPPORTED'
  | 'UNAUTHENTICATED';

/** One place for what each reason means; the compiler flags a reason without a message. */
export const REJECTION_MESSAGES: Record<RejectionReason, string> = {
  MALFORMED: 'the payload is neither JSON nor protobuf',
  SCHEMA: 'a field is missing or has the wrong type',
  UNKNOWN_TERMINAL: 'the topic names a terminal that is not registered',
  INACTIVE_TERMINAL: 'the topic names a terminal that has been deactivated',
  OUT_OF_RANGE: 'latitude or longitude is out of range',
  NULL_ISLAND: 'the position is 0,0 although it claims a fix',
  FUTURE: 'the fix time is more than 5 minutes ahead of the receive time',
  TOO_OLD: 'the fix time is more than 30 days before the receive time',
  TOO_LARGE: 'the payload is over 256 KiB or the batch holds over 1,000 positions',
  CHECKSUM: 'the JT/T 808 check code does not match the frame',
  FRAME: 'the JT/T 808 frame is malformed (bad escape, short body, over 4 KiB, or sub-packets never completed)',
  UNSUPPORTED: 'the JT/T 808 message id is not handled by the platform',
  UNAUTHENTICATED: 'the JT/T 808 connection has not authenticated as this terminal',
};

export const REJECTION_REASONS = Object.keys(REJECTION_MESSAGES) as RejectionReason[];
