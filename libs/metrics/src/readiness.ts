import { Gauge } from 'prom-client';
import { metricsRegistry } from './registry.js';

/** Whether a dependency answers now; a check that throws or takes longer than CHECK_TIMEOUT_MS counts as down. */
export type DependencyCheck = () => boolean | Promise<boolean>;

interface Watched {
  app: string;
  dependency: string;
  check: DependencyCheck;
}

/** Where the process is in its life: readiness is false while it starts and once it begins to stop. */
export type Phase = 'starting' | 'up' | 'stopping';

export interface DependencyState {
  app: string;
  dependency: string;
  status: 'up' | 'down';
}

export interface Readiness {
  status: 'ready' | 'not-ready';
  phase: Phase;
  checks: DependencyState[];
}

export interface Liveness {
  status: 'live';
  uptimeSeconds: number;
}

const CHECK_TIMEOUT_MS = 2_000;
const watched = new Set<Watched>();
// A process not started by the launcher (a test, a tool) has no start-up phase to wait for.
let phase: Phase = 'up';

/**
 * Adds a dependency an app needs to do its work (its database, its broker connection) to the process's
 * readiness; returns the function that takes it out again when the app stops.
 */
export function watchDependency(app: string, dependency: string, check: DependencyCheck): () => void {
  const entry: Watched = { app, dependency, check };
  watched.add(entry);
  return () => watched.delete(entry);
}

/** The launcher says when the apps are up and when they begin to stop. */
export function setPhase(next: Phase): void {
  phase = next;
}

/** A database check: a trivial statement on the app's own pool. */
export function databaseCheck(db: { query(sql: string): Promise<unknown> }): DependencyCheck {
  return async () => {
    await db.query('SELECT 1');
    return true;
  };
}

async function probe(check: DependencyCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

let inFlight: Promise<Readiness> | undefined;

/**
 * Ready: up (not starting or stopping) and every watched dependency answers. Callers at the same moment (a
 * probe, a scrape's two gauges) share one round of checks.
 */
export function readiness(): Promise<Readiness> {
  inFlight ??= check().finally(() => {
    inFlight = undefined;
  });
  return inFlight;
}

async function check(): Promise<Readiness> {
  const entries = [...watched];
  const results = await Promise.all(entries.map((w) => probe(w.check)));
  const checks = entries.map((w, i): DependencyState => ({
    app: w.app,
    dependency: w.dependency,
    status: results[i] ? 'up' : 'down',
  }));
  const ready = phase === 'up' && checks.every((c) => c.status === 'up');
  return { status: ready ? 'ready' : 'not-ready', phase, checks };
}

const started = Date.now();

/**
 * Live: the process's event loop runs — it answers at all. A loop that is blocked does not answer, and the
 * probe's own timeout is the verdict; a lost database or broker does not make a process dead (restarting it
 * would not bring them back).
 */
export function liveness(): Liveness {
  return { status: 'live', uptimeSeconds: Math.round((Date.now() - started) / 1000) };
}

new Gauge({
  name: 'oversight_dependency_up',
  help: 'Whether a dependency an app of this process needs answers (1) or not (0), checked at each scrape',
  labelNames: ['app', 'dependency'],
  registers: [metricsRegistry],
  async collect() {
    const { checks } = await readiness();
    this.reset();
    for (const c of checks) this.set({ app: c.app, dependency: c.dependency }, c.status === 'up' ? 1 : 0);
  },
});

new Gauge({
  name: 'oversight_ready',
  help: 'Whether the process is ready (1): started, not stopping, and every dependency answers',
  registers: [metricsRegistry],
  async collect() {
    this.set((await readiness()).status === 'ready' ? 1 : 0);
  },
});
