import type { HandoffBatch } from './handoff.js';

/**
 * A detector running in this process, as seen by a gateway of the same process (`npm start` runs every app in one):
 * the positions of the partitions it follows are handed to it directly, not through the broker. That saves the
 * serialising, two trips through the broker and the parsing on the way to every finding. The broker still
 * carries the partitions that no detector of this process follows, and everything from gateways elsewhere.
 */
export interface LocalHandoffSink {
  follows(partition: number): boolean;
  take(topic: string, batch: HandoffBatch): void;
}

const sinks = new Set<LocalHandoffSink>();

/** Registers a detector of this process; returns the function that removes it. */
export function attachLocalHandoff(sink: LocalHandoffSink): () => void {
  sinks.add(sink);
  return () => {
    sinks.delete(sink);
  };
}

/** The detector of this process that follows the partition, if there is one. */
export function localHandoffFor(partition: number): LocalHandoffSink | undefined {
  for (const sink of sinks) if (sink.follows(partition)) return sink;
  return undefined;
}
