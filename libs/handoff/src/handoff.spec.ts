import {
  HANDOFF_PARTITIONS,
  handoffPartition,
  handoffTopic,
  partitionForHandoff,
  partitionOfTopic,
  readHandoffBatch,
  toHandoffRow,
  type HandoffPosition,
  type HandoffRow,
} from './handoff.js';
import type { PositionRecord } from '#app/telemetry';

const position = (vehicleId: string, fixTime: number): HandoffPosition => ({
  vehicleId,
  terminalId: `t-${vehicleId}`,
  fixTime,
  receivedAt: fixTime,
  lat: 1,
  lon: 2,
  speedKmh: null,
  headingDeg: null,
  valid: true,
  ignition: null,
  alarmFlags: null,
  statusFlags: null,
  odometerKm: null,
  replay: false,
});
/** The stored record a hand-off row is made from: what the detector does not need, besides. */
const record = (p: HandoffPosition): PositionRecord => ({
  ...p,
  altitudeM: 120,
  satellites: 9,
  hdop: 0.8,
  seq: 7,
  extra: { note: 'not handed off' },
});
const at = (vehicleId: string, fixTime: number): HandoffRow =>
  toHandoffRow(record(position(vehicleId, fixTime)), vehicleId);

describe('hand-off partitioning', () => {
  it('always puts one vehicle on the same partition, within range', () => {
    for (const id of ['a', '5f0c3f7e-1b1a-4c9e-9a0e-3c1f3c7f2b11', 'zzz']) {
      expect(handoffPartition(id)).toBe(handoffPartition(id));
      expect(handoffPartition(id)).toBeGreaterThanOrEqual(0);
      expect(handoffPartition(id)).toBeLessThan(HANDOFF_PARTITIONS);
    }
  });

  it('spreads vehicles over the partitions', () => {
    const used = new Set(Array.from({ length: 400 }, (_, i) => handoffPartition(`vehicle-${i}`)));
    expect(used.size).toBe(HANDOFF_PARTITIONS);
  });

  it.each([1, 4, 16, 64])('puts each vehicle on one of %i partitions, the topic its detector subscribes to', (n) => {
    const ids = Array.from({ length: 200 }, (_, i) => `car-${i}`);
    const batches = partitionForHandoff(
      ids.map((id) => at(id, 1)),
      n,
    );
    expect(batches.size).toBe(n);
    for (const [topic, batch] of batches) {
      for (const row of batch.rows) expect(handoffTopic(handoffPartition(row[0], n))).toBe(topic);
      expect(handoffPartition(batch.rows[0][0], n)).toBe(partitionOfTopic(topic));
    }
  });

  it('reads the partition from a hand-off topic and nothing from any other topic', () => {
    expect(partitionOfTopic('internal/v1/positions/15')).toBe(15);
    expect(partitionOfTopic('internal/v1/positions/x')).toBeNull();
    expect(partitionOfTopic('internal/v1/positions/')).toBeNull();
    expect(partitionOfTopic('telematics/v1/T1/position')).toBeNull();
  });

  it('sorts each partition by vehicle, then fix time, whatever the arrival order', () => {
    const batches = partitionForHandoff([at('b', 3), at('a', 2), at('b', 1), at('a', 1)]);
    const all = [...batches.values()].flatMap((batch) => batch.rows);
    expect(all).toHaveLength(4);
    for (const batch of batches.values()) {
      const keys = batch.rows.map((r) => `${r[0]}:${r[2]}`);
      expect(keys).toEqual([...keys].sort());
    }
  });

  it('reads back exactly the positions that were sent, through JSON', () => {
    const sent = { ...position('car-1', 1_700_000_000_000), speedKmh: 42.5, ignition: true, alarmFlags: 256 };
    const wire = JSON.parse(JSON.stringify({ rows: [toHandoffRow(record(sent), 'car-1')] })) as unknown;
    expect(readHandoffBatch(wire)).toEqual([sent]);
  });

  it('leaves out rows that are not well-formed, and reads nothing from a payload that is not a batch', () => {
    const good = at('car-1', 5);
    const wrongType = [...good] as unknown[];
    wrongType[2] = '5';
    const short = good.slice(0, 13);
    expect(readHandoffBatch({ rows: [good, wrongType, short, null, 'x'] })).toHaveLength(1);
    expect(readHandoffBatch({ positions: [] })).toEqual([]);
    expect(readHandoffBatch(null)).toEqual([]);
    expect(readHandoffBatch('rows')).toEqual([]);
  });
});
