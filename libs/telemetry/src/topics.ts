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

/**
 * Topics already parsed: each terminal sends on the same few, and a look-up is cheaper than a split. Only
 * topics as long as a terminal topic can be are kept (any longer one is malformed), at most PARSED_TOPICS_MAX.
 */
const parsedTopics = new Map<string, Readonly<ParsedTopic> | null>();
const PARSED_TOPICS_MAX = 200_000;
const TERMINAL_TOPIC_MAX_LENGTH = 'telematics/v1//positions'.length + 32;

/** The parts of a terminal topic, or null for any other topic. The result is shared: do not change it. */
export function parseTerminalTopic(topic: string): Readonly<ParsedTopic> | null {
  if (topic.length > TERMINAL_TOPIC_MAX_LENGTH) return parseTopic(topic);
  let parsed = parsedTopics.get(topic);
  if (parsed === undefined) {
    parsed = parseTopic(topic);
    if (parsedTopics.size >= PARSED_TOPICS_MAX) parsedTopics.clear();
    parsedTopics.set(topic, parsed);
  }
  return parsed;
}

function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'telematics' || parts[1] !== 'v1') return null;
  const [, , idSegment, last] = parts;
  const kind = last === 'position' || last === 'positions' || last === 'status' ? last : null;
  return { idSegment, terminalId: TERMINAL_ID_PATTERN.test(idSegment) ? idSegment : null, kind };
}
