/** How cars are grouped for the lag figures; one group until the fleet is split between detectors. */
export type PartitionOf = (vehicleId: string) => string;

export const ONE_PARTITION: PartitionOf = () => 'all';

interface Waiting {
  /** Receive time (ms) of the oldest news not yet evaluated. */
  since: number;
  /** While a cycle evaluates the car: the oldest news that arrived after the cycle took it. */
  next?: number;
  inCycle: boolean;
}

/**
 * Which cars have news the detector has not yet evaluated, and since when: the detector's lag is the age of
 * the oldest such news. News carried by the hand-off counts from its receive time; a car marked for a table
 * read (a catch-up) counts from the moment it was marked, as its receive times are not known yet. A car
 * leaves the backlog when a cycle has evaluated and committed it, and stays (its wait growing) while cycles
 * fail.
 */
export class EvaluationBacklog {
  private readonly waiting = new Map<string, Waiting>();
  /** Every partition seen: one with nothing waiting reports a lag of 0 rather than nothing. */
  private readonly known: Set<string>;

  constructor(
    private readonly partitionOf: PartitionOf = ONE_PARTITION,
    partitions: readonly string[] = partitionOf === ONE_PARTITION ? ['all'] : [],
  ) {
    this.known = new Set(partitions);
  }

  /** News for a car, received at `at` (ms). */
  news(vehicleId: string, at: number): void {
    const w = this.waiting.get(vehicleId);
    if (!w) {
      this.waiting.set(vehicleId, { since: at, inCycle: false });
      this.known.add(this.partitionOf(vehicleId));
    } else if (w.inCycle) w.next = Math.min(w.next ?? at, at);
    else w.since = Math.min(w.since, at);
  }

  /** A cycle takes these cars: news from now on waits for the next one. */
  taken(vehicleIds: Iterable<string>): void {
    for (const id of vehicleIds) {
      const w = this.waiting.get(id);
      if (w) w.inCycle = true;
    }
  }

  /**
   * The cycle that took these cars has committed; `stillWaiting` says which of them it left for another cycle
   * (marked again, more pages to read). The others wait only for news that arrived during the cycle.
   */
  settled(vehicleIds: Iterable<string>, stillWaiting: (vehicleId: string) => boolean): void {
    for (const id of vehicleIds) {
      const w = this.waiting.get(id);
      if (!w) continue;
      if (stillWaiting(id)) {
        w.since = Math.min(w.since, w.next ?? w.since);
      } else if (w.next === undefined) {
        this.waiting.delete(id);
        continue;
      } else {
        w.since = w.next;
      }
      w.next = undefined;
      w.inCycle = false;
    }
  }

  /** The cycle failed: its cars wait on from where they were. */
  failed(vehicleIds: Iterable<string>): void {
    this.settled(vehicleIds, () => true);
  }

  /** These partitions are now evaluated here: each reports, at 0 while nothing waits. */
  hold(partitions: Iterable<string>): void {
    for (const p of partitions) this.known.add(p);
  }

  /** These partitions went elsewhere: their cars' news is no longer this detector's lag. */
  release(partitions: Iterable<string>): void {
    const going = new Set(partitions);
    for (const p of going) this.known.delete(p);
    for (const id of this.waiting.keys()) if (going.has(this.partitionOf(id))) this.waiting.delete(id);
  }

  /** Per partition: how many cars wait, and how long the oldest news has waited (seconds). */
  byPartition(now: number): Map<string, { vehicles: number; lagSeconds: number }> {
    const result = new Map<string, { vehicles: number; lagSeconds: number }>();
    for (const key of this.known) result.set(key, { vehicles: 0, lagSeconds: 0 });
    for (const [id, w] of this.waiting) {
      const key = this.partitionOf(id);
      const entry = result.get(key) ?? { vehicles: 0, lagSeconds: 0 };
      entry.vehicles++;
      entry.lagSeconds = Math.max(entry.lagSeconds, Math.max(0, now - w.since) / 1000);
      result.set(key, entry);
    }
    return result;
  }
}
