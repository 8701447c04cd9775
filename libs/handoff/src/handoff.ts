import type { PositionRecord } from '#app/telemetry';

/**
 * Gateway → detector: validated, committed positions. Vehicles are spread over a number of partition topics by a
 * stable hash of their id (DETECTOR_PARTITIONS, the same count for every gateway and detector), so one vehicle
 * always travels on one topic and, with one publisher, keeps its order; a flush costs at most one message per
 * partition instead of one per vehicle. A detector subscribes to the topics of the partitions it holds a lease
 * on, so several detectors share the cars without two of them evaluating one car.
 */
export const HANDOFF_TOPIC_PREFIX = 'internal/v1/positions';
/** The default partition count (DETECTOR_PARTITIONS). */
export const HANDOFF_PARTITIONS = 16;
/** Every partition's topic (what an observer subscribes to). */
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

/**
 * One position on the wire: its values in a fixed order (half the bytes of an object with named fields, and
 * a fraction of the serialising and parsing). `readHandoffBatch` turns rows back into positions.
 */
export type HandoffRow = [
  vehicleId: string,
  terminalId: string,
  fixTime: number,
  receivedAt: number,
  lat: number,
  lon: number,
  speedKmh: number | null,
  headingDeg: number | null,
  valid: boolean,
  ignition: boolean | null,
  alarmFlags: number | null,
  statusFlags: number | null,
  odometerKm: number | null,
  replay: boolean,
];

/** The payload of one hand-off message: rows sorted by vehicle, then fix time. */
export interface HandoffBatch {
  rows: HandoffRow[];
}

/** Each car's hash, computed once (it walks the whole id). */
const hashOf = new Map<string, number>();

/** The partition of a vehicle among `partitions`. */
export function handoffPartition(vehicleId: string, partitions = HANDOFF_PARTITIONS): number {
  let hash = hashOf.get(vehicleId);
  if (hash === undefined) {
    // FNV-1a: stable across processes and versions, unlike anything seeded.
    hash = 0x811c9dc5;
    for (let i = 0; i < vehicleId.length; i++) {
      hash ^= vehicleId.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    if (hashOf.size >= 100_000) hashOf.clear();
    hashOf.set(vehicleId, hash);
  }
  return hash % partitions;
}

export function handoffTopic(partition: number): string {
  return `${HANDOFF_TOPIC_PREFIX}/${partition}`;
}

/** The partition a hand-off topic carries, or null for any other topic. */
export function partitionOfTopic(topic: string): number | null {
  if (!topic.startsWith(`${HANDOFF_TOPIC_PREFIX}/`)) return null;
  const rest = topic.slice(HANDOFF_TOPIC_PREFIX.length + 1);
  return /^\d{1,4}$/.test(rest) ? Number(rest) : null;
}

export function toHandoffRow(position: PositionRecord, vehicleId: string): HandoffRow {
  return [
    vehicleId,
    position.terminalId,
    position.fixTime,
    position.receivedAt,
    position.lat,
    position.lon,
    position.speedKmh,
    position.headingDeg,
    position.valid,
    position.ignition,
    position.alarmFlags,
    position.statusFlags,
    position.odometerKm,
    position.replay,
  ];
}

const isNumberOrNull = (value: unknown) => value === null || typeof value === 'number';
const isBooleanOrNull = (value: unknown) => value === null || typeof value === 'boolean';

/** The positions of a received hand-off message; rows that are not well-formed are left out. */
export function readHandoffBatch(batch: unknown): HandoffPosition[] {
  const rows = (batch as Partial<HandoffBatch> | null)?.rows;
  if (!Array.isArray(rows)) return [];
  const positions: HandoffPosition[] = [];
  for (const r of rows as unknown[][]) {
    if (
      !Array.isArray(r) ||
      r.length !== 14 ||
      typeof r[0] !== 'string' ||
      typeof r[1] !== 'string' ||
      typeof r[2] !== 'number' ||
      typeof r[3] !== 'number' ||
      typeof r[4] !== 'number' ||
      typeof r[5] !== 'number' ||
      !isNumberOrNull(r[6]) ||
      !isNumberOrNull(r[7]) ||
      typeof r[8] !== 'boolean' ||
      !isBooleanOrNull(r[9]) ||
      !isNumberOrNull(r[10]) ||
      !isNumberOrNull(r[11]) ||
      !isNumberOrNull(r[12]) ||
      typeof r[13] !== 'boolean'
    ) {
      continue;
    }
    const row = r as HandoffRow;
    positions.push({
      vehicleId: row[0],
      terminalId: row[1],
      fixTime: row[2],
      receivedAt: row[3],
      lat: row[4],
      lon: row[5],
      speedKmh: row[6],
      headingDeg: row[7],
      valid: row[8],
      ignition: row[9],
      alarmFlags: row[10],
      statusFlags: row[11],
      odometerKm: row[12],
      replay: row[13],
    });
  }
  return positions;
}

const topics: string[] = [];

/** Groups rows into hand-off messages, one per partition among `partitions`, each sorted by vehicle then fix time. */
export function partitionForHandoff(rows: HandoffRow[], partitions = HANDOFF_PARTITIONS): Map<string, HandoffBatch> {
  const batches = new Map<string, HandoffBatch>();
  for (const row of rows) {
    const partition = handoffPartition(row[0], partitions);
    const topic = (topics[partition] ??= handoffTopic(partition));
    let batch = batches.get(topic);
    if (!batch) batches.set(topic, (batch = { rows: [] }));
    batch.rows.push(row);
  }
  for (const batch of batches.values()) {
    batch.rows.sort((a, b) => (a[0] === b[0] ? a[2] - b[2] : a[0] < b[0] ? -1 : 1));
  }
  return batches;
}
