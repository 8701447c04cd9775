import { createHmac } from 'node:crypto';
import { webhookProblem, webhookSignature } from './webhook-signature.js';

describe('webhook signatures', () => {
  const secret = 'whsec-test';
  const body = '{"event":"finding","finding":{"plateNumber":"苏N·A1234"}}';
  const at = 1_795_000_000;

  it('is HMAC-SHA256 of "<timestamp>.<body>", as the documentation tells integrators to compute it', () => {
    const expected = createHmac('sha256', secret).update(`${at}.${body}`, 'utf8').digest('hex');
    expect(webhookSignature(secret, at, body)).toBe(`v1=${expected}`);
  });

  it.each([
    ['a genuine call', {}, null],
    ['another secret', { key: 'other' }, 'signature does not match'],
    ['a changed body', { payload: body.replace('A1234', 'A1235') }, 'signature does not match'],
    ['a replay six minutes later', { now: at + 360 }, 'timestamp too far from now'],
    ['no timestamp', { timestamp: '' }, 'no timestamp'],
  ])('tells %s', (_, change: { key?: string; payload?: string; now?: number; timestamp?: string }, problem) => {
    const signature = webhookSignature(change.key ?? secret, at, body);
    const headers = { timestamp: change.timestamp ?? String(at), signature };
    expect(webhookProblem(secret, headers, change.payload ?? body, change.now ?? at + 10)).toBe(problem);
  });
});
