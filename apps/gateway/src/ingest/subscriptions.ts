import { TERMINAL_TOPIC_FILTERS } from '#app/telemetry';

/** Mosquitto's count of messages it dropped (queue full): it must never move. */
export const BROKER_DROPPED_TOPIC = '$SYS/broker/publish/messages/dropped';

export interface IngestSubscriptions {
  subscribe: string[];
  unsubscribe: string[];
}

/** The terminal topics as one member of a shared-subscription group reads them. */
export function sharedFilters(group: string): string[] {
  return TERMINAL_TOPIC_FILTERS.map((filter) => `$share/${group}/${filter}`);
}

/**
 * What the gateway's persistent session subscribes to. Alone, it reads the terminal topics themselves. In a
 * group, it reads them through `$share/<group>/…`, so the broker gives each message to one member, and gives up
 * the plain filters a session that once read alone still holds (else it would get every message besides).
 * The dropped-message counter is watched by every gateway.
 */
export function ingestSubscriptions(shareGroup: string | undefined): IngestSubscriptions {
  if (shareGroup === undefined)
    return { subscribe: [...TERMINAL_TOPIC_FILTERS, BROKER_DROPPED_TOPIC], unsubscribe: [] };
  return { subscribe: [...sharedFilters(shareGroup), BROKER_DROPPED_TOPIC], unsubscribe: [...TERMINAL_TOPIC_FILTERS] };
}

/**
 * A gateway leaving for good: its session subscribes to nothing more and gives up its filters, so the broker
 * sends new messages to the rest of the group and this session only what it already holds for it.
 */
export function retiringSubscriptions(shareGroup: string | undefined): IngestSubscriptions {
  return {
    subscribe: [],
    unsubscribe: [
      ...(shareGroup === undefined ? [] : sharedFilters(shareGroup)),
      ...TERMINAL_TOPIC_FILTERS,
      BROKER_DROPPED_TOPIC,
    ],
  };
}
