import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Machine secrets (terminal secrets, API keys) are 256 random bits, so a plain SHA-256 is enough to keep
 * them unusable if the table leaks, and it lets a key be found by its hash in one indexed lookup.
 * Human passwords are low-entropy and get argon2 instead (passwords.ts).
 */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function verifySecret(secret: string, hash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(hash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
