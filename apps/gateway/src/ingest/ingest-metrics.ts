import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, metricsRegistry } from '#app/metrics';
import { REJECTION_REASONS, type RejectionReason } from '#app/telemetry';

/** Upper bounds (ms) of the receive → commit latency buckets. */
const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, Infinity];

/** Every gateway of the process: Prometheus reads their counters when it scrapes. */
const gateways = new Set<IngestMetrics>();

/** The gateway's counters, kept in process, logged periodically and exported at `/metrics`. */
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

  constructor() {
    gateways.add(this);
  }

  observeLatency(ms: number, count = 1): void {
    for (let i = 0; i < count; i++) exported.commitLatency.observe(ms / 1000);
    for (const bucket of this.latency) {
      if (ms <= bucket.le) {
        bucket.count += count;
        return;
      }
    }
  }

  /** A committed flush of this many messages. */
  observeFlush(messages: number): void {
    exported.flushSize.observe(messages);
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

const sum = (read: (m: IngestMetrics) => number) => [...gateways].reduce((total, m) => total + read(m), 0);

/** A counter whose value is read from the gateways' own counters at each scrape. */
function counter(name: string, help: string, read: (m: IngestMetrics) => number): Counter {
  return new Counter({
    name,
    help,
    registers: [metricsRegistry],
    collect() {
      this.reset();
      this.inc(sum(read));
    },
  });
}

/** The names the dashboards and alerts in deploy/ use; docs/operations.md lists them. */
const exported = {
  messages: counter(
    'oversight_ingest_messages_total',
    'Messages the gateway took in (MQTT and JT/T 808), valid or not',
    (m) => m.messages,
  ),
  accepted: counter('oversight_ingest_positions_accepted_total', 'Positions stored', (m) => m.accepted),
  duplicates: counter(
    'oversight_ingest_duplicates_total',
    'Positions already stored (a redelivery), acknowledged and not stored again',
    (m) => m.duplicates,
  ),
  statuses: counter('oversight_ingest_statuses_total', 'Online/offline status messages stored', (m) => m.statuses),
  rejected: new Counter({
    name: 'oversight_ingest_rejected_total',
    help: 'Messages or positions recorded in rejected_messages, by reason',
    labelNames: ['reason'],
    registers: [metricsRegistry],
    collect() {
      this.reset();
      for (const reason of REJECTION_REASONS)
        this.inc(
          { reason },
          sum((m) => m.rejected[reason]),
        );
    },
  }),
  acks: new Counter({
    name: 'oversight_ingest_acks_total',
    help: 'Messages after their commit: acknowledged to the broker (sent) or left to its redelivery because their connection was lost (redelivery)',
    labelNames: ['result'],
    registers: [metricsRegistry],
    collect() {
      this.reset();
      this.inc(
        { result: 'sent' },
        sum((m) => m.acked),
      );
      this.inc(
        { result: 'redelivery' },
        sum((m) => m.ackSkipped),
      );
    },
  }),
  flushFailures: counter(
    'oversight_ingest_flush_failures_total',
    'Flush attempts the database did not take (retried until it does)',
    (m) => m.flushFailures,
  ),
  flushSteps: new Counter({
    name: 'oversight_ingest_flush_step_seconds_total',
    help: 'Time spent in each step of the committed flushes',
    labelNames: ['step'],
    registers: [metricsRegistry],
    collect() {
      this.reset();
      for (const step of ['prepare', 'copy', 'rejections', 'live', 'commit'] as const) {
        this.inc({ step }, sum((m) => m.flushMs[step]) / 1000);
      }
    },
  }),
  pauses: counter(
    'oversight_ingest_pauses_total',
    'Times reading from the broker stopped because INGEST_MAX_UNCOMMITTED messages awaited their commit',
    (m) => m.pauses,
  ),
  brokerDropped: counter(
    'oversight_broker_dropped_messages_total',
    'Messages the broker reports it dropped (its queue was full) since the gateway started: must stay 0',
    (m) => m.brokerDropped,
  ),
  uncommitted: new Gauge({
    name: 'oversight_ingest_uncommitted',
    help: 'Messages taken in and not yet committed (not yet acknowledged to the broker)',
    registers: [metricsRegistry],
    collect() {
      this.set(sum((m) => m.uncommitted));
    },
  }),
  commitLatency: new Histogram({
    name: 'oversight_ingest_commit_latency_seconds',
    help: 'From a message’s arrival at the gateway to the commit of its flush (its acknowledgement follows at once)',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [metricsRegistry],
  }),
  flushSize: new Histogram({
    name: 'oversight_ingest_flush_messages',
    help: 'Messages per committed flush (a flush of none writes only the live state)',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 5000],
    registers: [metricsRegistry],
  }),
};
