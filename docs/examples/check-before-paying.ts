/**
 * The finance system's check before it pays a vehicle expense, written against a client generated from the
 * service's OpenAPI document (see docs/api.md):
 *
 *   npx openapi-typescript http://localhost:3000/api/docs-json -o oversight-api.d.ts
 *
 * No type here is written by hand: requests and answers are checked against the document by the compiler.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './oversight-api.js';

export type Expense = components['schemas']['CheckRequestDto'];
export type Decision = components['schemas']['CheckResponse'];

/** Pay only on `pay: true`; anything else (a deny, a refused request, the gate unable to decide) means do not pay. */
export type Verdict =
  | { pay: true; decision: Decision }
  | { pay: false; decision: Decision }
  | { pay: false; refused: string[] }
  | { pay: false; cannotDecide: string };

/** A client signed in with an API key of the role `finance` (sent as a bearer token, like a user's token). */
export function oversightClient(baseUrl: string, apiKey: string) {
  return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
}

/** Or sign in as a person: the token lasts `expiresIn` seconds. */
export async function signIn(baseUrl: string, username: string, password: string): Promise<string> {
  const { data, error } = await createClient<paths>({ baseUrl }).POST('/api/v1/auth/token', {
    body: { username, password },
  });
  if (error) throw new Error(`sign-in refused: ${String(error.message)}`);
  return data.accessToken;
}

export async function checkBeforePaying(
  client: ReturnType<typeof oversightClient>,
  expense: Expense,
): Promise<Verdict> {
  const { data, error, response } = await client.POST('/api/v1/payment-gate/checks', { body: expense });
  if (data) return data.decision === 'allow' ? { pay: true, decision: data } : { pay: false, decision: data };
  const message = error?.message ?? `HTTP ${response.status}`;
  if (response.status === 400) return { pay: false, refused: Array.isArray(message) ? message : [message] };
  // 503 (the platform cannot decide now), 401/403 (the key), or anything unexpected: fail closed.
  return { pay: false, cannotDecide: Array.isArray(message) ? message.join('; ') : message };
}
