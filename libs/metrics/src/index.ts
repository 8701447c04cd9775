export { LATENCY_BUCKETS_SECONDS, metricsRegistry, metricsText } from './registry.js';
export { databaseCheck, liveness, readiness, setPhase, watchDependency } from './readiness.js';
export type { DependencyCheck, DependencyState, Liveness, Phase, Readiness } from './readiness.js';
export { bearerMatches, startOpsListener } from './ops-listener.js';
export type { OpsListener, OpsListenerOptions } from './ops-listener.js';
