import { REJECTION_REASONS, type RejectionReason } from '#app/telemetry';

/** Upper bounds (ms) of the receive → commit latency buckets. */
const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, Infinity];

/** The gateway's counters, kept in process and logged periodically. */
export class IngestMetrics {
  messages = 0;
  accepted = 0;
  duplicates = 0;
  statuses = 0;
  rejected = Object.fromEntries(REJECTION_REASONS.map((reason) => [reason, 0])) as Record<RejectionReason, number>;
  batches = 0;
  flushFailures = 0;
  /** PUBACKs sent after a commit; messages of a lost connection are left to the broker's redelivery. */
  acked = 0;
  ackSkipped = 0;
  uncommitted = 0;
  uncommittedHighWater = 0;
  /** Times reading from the broker was paused because too much was uncommitted. */
  pauses = 0;
  brokerDropped = 0;
  /** Cumulative ms spent in each step of the committed flushes. */
  readonly flushMs = { prepare: 0, copy: 0, rejections: 0, live: 0, commit: 0 };
  readonly latency = LATENCY_BUCKETS_MS.map((le) => ({ le, count: 0 }));

  observeLatency(ms: number, count = 1): void {
    for (const bucket of this.latency) {
      if (ms <= bucket.le) {
        bucket.count += count;
        return;
      }
    }
  }

  /** The smallest bucket bound below which `q` of the observations fall. */
  latencyQuantile(q: number): number | undefined {
    const total = this.latency.reduce((sum, b) => sum + b.count, 0);
    if (total === 0) return undefined;
    let seen = 0;
    for (const bucket of this.latency) {
      seen += bucket.count;
      if (seen >= q * total) return bucket.le;
    }
    return Infinity;
  }

  snapshot() {
    const rejected = Object.values(this.rejected).reduce((sum, n) => sum + n, 0);
    return {
      messages: this.messages,
      accepted: this.accepted,
      duplicates: this.duplicates,
      statuses: this.statuses,
      rejected,
      rejectedByReason: { ...this.rejected },
      batches: this.batches,
      flushFailures: this.flushFailures,
      acked: this.acked,
      ackSkipped: this.ackSkipped,
      uncommitted: this.uncommitted,
      uncommittedHighWater: this.uncommittedHighWater,
      pauses: this.pauses,
      brokerDropped: this.brokerDropped,
      flushMs: Object.fromEntries(Object.entries(this.flushMs).map(([k, v]) => [k, Math.round(v)])),
      commitLatencyP50Ms: this.latencyQuantile(0.5),
      commitLatencyP99Ms: this.latencyQuantile(0.99),
    };
  }
}
