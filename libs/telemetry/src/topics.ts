import type { MessageKind } from './position.js';

export const TERMINAL_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** The topics the platform subscribes to (QoS 1). */
export const TERMINAL_TOPIC_FILTERS = [
  'telematics/v1/+/position',
  'telematics/v1/+/positions',
  'telematics/v1/+/status',
] as const;

export function terminalTopic(terminalId: string, kind: MessageKind): string {
  return `telematics/v1/${terminalId}/${kind}`;
}

export interface ParsedTopic {
  /** The id segment, whether or not it is a valid terminal id. */
  idSegment: string;
  terminalId: string | null;
  kind: MessageKind | null;
}

export function parseTerminalTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'telematics' || parts[1] !== 'v1') return null;
  const [, , idSegment, last] = parts;
  const kind = last === 'position' || last === 'positions' || last === 'status' ? last : null;
  return { idSegment, terminalId: TERMINAL_ID_PATTERN.test(idSegment) ? idSegment : null, kind };
}
