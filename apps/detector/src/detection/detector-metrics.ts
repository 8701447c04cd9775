import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '#app/metrics';
import type { FindingKind, RuleName } from '#app/rules';
import type { DetectionEngine } from './detection.engine.js';

/** Every detector of the process: Prometheus reads their figures when it scrapes. */
const engines = new Set<DetectionEngine>();

/** Exports this engine's figures at `/metrics` until the returned function is called. */
export function exportDetectorMetrics(engine: DetectionEngine): () => void {
  engines.add(engine);
  return () => engines.delete(engine);
}

/** Counted after the cycle that raised them has committed, so a failed cycle's retry counts nothing twice. */
export const findingsRaised = new Counter({
  name: 'oversight_detector_findings_raised_total',
  help: 'Findings newly raised (violations and suspicions), by rule and kind',
  labelNames: ['rule', 'kind'],
  registers: [metricsRegistry],
});

export function countRaised(findings: { rule: RuleName; kind: FindingKind }[]): void {
  for (const f of findings) findingsRaised.inc({ rule: f.rule, kind: f.kind });
}

const byPartition = () => {
  const merged = new Map<string, { vehicles: number; lagSeconds: number }>();
  const now = Date.now();
  for (const engine of engines) {
    for (const [partition, figures] of engine.backlog.byPartition(now)) {
      const seen = merged.get(partition);
      merged.set(
        partition,
        seen
          ? { vehicles: seen.vehicles + figures.vehicles, lagSeconds: Math.max(seen.lagSeconds, figures.lagSeconds) }
          : figures,
      );
    }
  }
  return merged;
};

new Gauge({
  name: 'oversight_detector_lag_seconds',
  help: 'How long the oldest news the detector has not yet evaluated has waited (0: caught up), by partition of the fleet',
  labelNames: ['partition'],
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const [partition, { lagSeconds }] of byPartition()) this.set({ partition }, lagSeconds);
  },
});

new Gauge({
  name: 'oversight_detector_waiting_vehicles',
  help: 'Cars with news the detector has not yet evaluated, by partition of the fleet',
  labelNames: ['partition'],
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const [partition, { vehicles }] of byPartition()) this.set({ partition }, vehicles);
  },
});

const statCounter = (name: string, help: string, read: (stats: DetectionEngine['stats']) => number) =>
  new Counter({
    name,
    help,
    registers: [metricsRegistry],
    collect() {
      this.reset();
      this.inc([...engines].reduce((total, e) => total + read(e.stats), 0));
    },
  });

statCounter(
  'oversight_detector_positions_evaluated_total',
  'Positions run through the rules (again after late data)',
  (s) => s.positions,
);
statCounter('oversight_detector_cycles_total', 'Evaluation cycles committed', (s) => s.cycles);
statCounter(
  'oversight_detector_replays_total',
  'Cars evaluated again from a snapshot because late data arrived below their watermark',
  (s) => s.replays,
);
