import { HttpException } from '@nestjs/common';
import { Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, metricsRegistry } from '#app/metrics';

/** How a check ended: a recorded decision, refused for its content (4xx), or no decision possible (503). */
export type GateResult = 'allow' | 'deny' | 'refused' | 'unavailable';

const decisions = new Histogram({
  name: 'oversight_gate_decision_seconds',
  help: 'Payment-gate checks by result (allow, deny, refused, unavailable), from a valid request to its answer; _count is the number of checks',
  labelNames: ['result'],
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

/** Times one check; `error` is what it threw (the fail-closed filter turns anything but an HTTP answer into 503). */
export function observeGate(began: number, outcome: { decision: 'allow' | 'deny' } | { error: unknown }): void {
  const result: GateResult =
    'decision' in outcome
      ? outcome.decision
      : outcome.error instanceof HttpException && outcome.error.getStatus() < 500
        ? 'refused'
        : 'unavailable';
  decisions.observe({ result }, (performance.now() - began) / 1000);
}
