import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_HEADERS, webhookProblem } from '#app/notifications';

export interface ReceivedCall {
  headers: IncomingHttpHeaders;
  body: string;
  /** What a receiver's check said: null when the signature and timestamp are genuine. */
  problem: string | null;
  /** The status this call was answered with. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  calls: ReceivedCall[];
  /** The secret to check signatures with (from the webhook's creation). */
  secret: string;
  /** The status the next calls are answered with. */
  status: number;
  /** The receiver's clock, in Unix seconds (pinned tests give theirs). */
  now: () => number;
  close(): Promise<void>;
}

/** An HTTP server of the test's own that checks every call's signature as an integrator would. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    calls: [],
    secret: '',
    status: 204,
    now: () => Math.floor(Date.now() / 1000),
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const problem = webhookProblem(
        receiver.secret,
        {
          timestamp: req.headers[WEBHOOK_HEADERS.timestamp] as string | undefined,
          signature: req.headers[WEBHOOK_HEADERS.signature] as string | undefined,
        },
        body,
        receiver.now(),
      );
      // A genuine receiver refuses what it cannot verify; this one answers as told once the call checks out.
      const status = problem ? 401 : receiver.status;
      receiver.calls.push({ headers: req.headers, body, problem, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/hooks/oversight`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
