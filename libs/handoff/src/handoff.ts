import type { PositionRecord } from '#app/telemetry';

/**
 * Gateway → detector: validated, committed positions. Vehicles are spread over a fixed number of partition
 * topics by a stable hash of their id, so one vehicle always travels on one topic and, with one publisher,
 * keeps its order; a flush costs at most one message per partition instead of one per vehicle, and a
 * broker's shared subscriptions (sticky per topic) can still spread partitions over several detectors.
 */
export const HANDOFF_TOPIC_PREFIX = 'internal/v1/positions';
export const HANDOFF_PARTITIONS = 16;
/** What a detector subscribes to (with @EventPattern or a `$share/…` group in front). */
export const HANDOFF_TOPIC_FILTER = `${HANDOFF_TOPIC_PREFIX}/+`;

/** One position as the detector receives it (times as epoch milliseconds). */
export interface HandoffPosition {
  vehicleId: string;
  terminalId: string;
  fixTime: number;
  receivedAt: number;
  lat: number;
  lon: number;
  speedKmh: number | null;
  headingDeg: number | null;
  valid: boolean;
  ignition: boolean | null;
  alarmFlags: number | null;
  statusFlags: number | null;
  odometerKm: number | null;
  replay: boolean;
}

/** The payload of one hand-off message: positions sorted by vehicle, then fix time. */
export interface HandoffBatch {
  positions: HandoffPosition[];
}

export function handoffPartition(vehicleId: string): number {
  // FNV-1a: stable across processes and versions, unlike anything seeded.
  let hash = 0x811c9dc5;
  for (let i = 0; i < vehicleId.length; i++) {
    hash ^= vehicleId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % HANDOFF_PARTITIONS;
}

export function handoffTopic(partition: number): string {
  return `${HANDOFF_TOPIC_PREFIX}/${partition}`;
}

export function toHandoffPosition(position: PositionRecord, vehicleId: string): HandoffPosition {
  return {
    vehicleId,
    terminalId: position.terminalId,
    fixTime: position.fixTime,
    receivedAt: position.receivedAt,
    lat: position.lat,
    lon: position.lon,
    speedKmh: position.speedKmh,
    headingDeg: position.headingDeg,
    valid: position.valid,
    ignition: position.ignition,
    alarmFlags: position.alarmFlags,
    statusFlags: position.statusFlags,
    odometerKm: position.odometerKm,
    replay: position.replay,
  };
}

/** Groups positions into hand-off messages, each sorted by vehicle then fix time (sorts `positions` in place). */
export function partitionForHandoff(positions: HandoffPosition[]): Map<string, HandoffBatch> {
  const sorted = positions.sort((a, b) =>
    a.vehicleId === b.vehicleId ? a.fixTime - b.fixTime : a.vehicleId < b.vehicleId ? -1 : 1,
  );
  const batches = new Map<string, HandoffBatch>();
  for (const position of sorted) {
    const topic = handoffTopic(handoffPartition(position.vehicleId));
    let batch = batches.get(topic);
    if (!batch) batches.set(topic, (batch = { positions: [] }));
    batch.positions.push(position);
  }
  return batches;
}
