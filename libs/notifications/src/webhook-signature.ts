import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a webhook call (docs/notifications.md tells integrators how to check them). */
export const WEBHOOK_HEADERS = {
  /** Unix time in seconds when this attempt was signed. */
  timestamp: 'x-oversight-timestamp',
  /** `v1=` and the lowercase hex HMAC-SHA256 of `<timestamp>.<body>` under the webhook's secret. */
  signature: 'x-oversight-signature',
  /** The notification's id: the same on every retry, so a receiver can drop a repeat. */
  delivery: 'x-oversight-delivery',
  event: 'x-oversight-event',
} as const;

/** How far a receiver should let the timestamp be from its own clock before refusing a call as a replay. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does: recompute the signature over the raw body, compare in constant time, and refuse a
 * timestamp too far from now. Returns the reason a call is refused, or null when it is genuine.
 */
export function webhookProblem(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): string | null {
  if (!headers.timestamp || !/^\d+$/.test(headers.timestamp)) return 'no timestamp';
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return 'timestamp too far from now';
  const expected = Buffer.from(webhookSignature(secret, timestamp, body));
  const given = Buffer.from(headers.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature does not match';
  return null;
}
