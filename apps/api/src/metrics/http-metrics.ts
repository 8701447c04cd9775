import type { NextFunction, Request, Response } from 'express';
import { Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, metricsRegistry } from '#app/metrics';

const requestDuration = new Histogram({
  name: 'oversight_http_request_duration_seconds',
  help: 'HTTP requests to the API by method, route template (not the raw path) and status, until the answer is sent',
  labelNames: ['method', 'route', 'status'],
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

/**
 * Express middleware that times every request and labels it with the route that answered it, as its template
 * (`/api/v1/vehicles/:id`), so one series stands for a route however many ids pass through it. A request no
 * route took (a body refused before routing, a static file) is labelled `unrouted`.
 */
export function httpMetrics() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const began = process.hrtime.bigint();
    res.once('close', () => {
      const path = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof path === 'string' ? `${req.baseUrl}${path}` : 'unrouted';
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      requestDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
    });
    next();
  };
}
