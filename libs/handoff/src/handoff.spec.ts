import { HANDOFF_PARTITIONS, handoffPartition, partitionForHandoff, type HandoffPosition } from './handoff.js';

const at = (vehicleId: string, fixTime: number): HandoffPosition => ({
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

  it('sorts each partition by vehicle, then fix time, whatever the arrival order', () => {
    const batches = partitionForHandoff([at('b', 3), at('a', 2), at('b', 1), at('a', 1)]);
    const all = [...batches.values()].flatMap((batch) => batch.positions);
    expect(all).toHaveLength(4);
    for (const batch of batches.values()) {
      const keys = batch.positions.map((p) => `${p.vehicleId}:${p.fixTime}`);
      expect(keys).toEqual([...keys].sort());
    }
  });
});
