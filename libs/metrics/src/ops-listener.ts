import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { liveness, readiness } from './readiness.js';
import { metricsText } from './registry.js';

/** Whether an Authorization header carries exactly `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}

export interface OpsListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface OpsListenerOptions {
  host: string;
  /** 0: the system picks a free port (the listener says which). */
  port: number;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`; the health endpoints stay open for probes. */
  token?: string;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function refuse(res: ServerResponse, status: number, error: string, message: string): void {
  json(res, status, { statusCode: status, error, message });
}

async function answer(req: IncomingMessage, res: ServerResponse, token: string | undefined): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://ops').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return refuse(res, 405, 'Method Not Allowed', 'only GET and HEAD');
  }
  switch (path) {
    case '/metrics': {
      if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return refuse(res, 401, 'Unauthorized', 'Authorization: Bearer <METRICS_TOKEN> is required');
      }
      const { body, contentType } = await metricsText();
      res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    case '/health/live':
      return json(res, 200, liveness());
    case '/health/ready': {
      const state = await readiness();
      return json(res, state.status === 'ready' ? 200 : 503, state);
    }
    default:
      return refuse(res, 404, 'Not Found', 'this listener answers /metrics, /health/live and /health/ready');
  }
}

/**
 * A small HTTP listener for Prometheus and for liveness and readiness probes, apart from the API: the
 * gateway, the detector and the scheduler have no HTTP server of their own, and an API's metrics are better
 * kept off the port its users reach.
 */
export function startOpsListener(options: OpsListenerOptions): Promise<OpsListener> {
  const server = createServer((req, res) => {
    answer(req, res, options.token).catch((error: unknown) => {
      if (!res.headersSent) refuse(res, 500, 'Internal Server Error', String((error as Error)?.message ?? error));
      else res.destroy();
    });
  });
  // Probes and scrapes hold no long requests; idle connections must not hold up the stop.
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', reject);
      const address = server.address() as { port: number };
      resolve({
        host: options.host,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
