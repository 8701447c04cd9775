import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The one registry of the process. Each app adds its own metrics to it when its code is loaded, so a process
 * that runs all four apps exports all of them at one address, and a process that runs one app exports that
 * app's. Node's own figures (CPU, memory, event-loop delay, garbage collection) come with every process.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** The exposition text Prometheus scrapes, and its media type. */
export async function metricsText(): Promise<{ body: string; contentType: string }> {
  return { body: await metricsRegistry.metrics(), contentType: metricsRegistry.contentType };
}

/** Latency buckets (seconds) shared by the request and commit histograms: 5 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
