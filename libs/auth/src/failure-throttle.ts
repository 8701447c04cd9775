/**
 * Slows down guessing: after a few failed sign-ins for the same name (or from the same address) each
 * further attempt must wait, doubling up to a cap. A success clears the name's record.
 */
export class FailureThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(
    private readonly freeAttempts = 5,
    private readonly baseDelayMs = 1_000,
    private readonly maxDelayMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the caller must still wait before another attempt for any of these keys; 0 = go. */
  retryAfterMs(keys: string[]): number {
    let wait = 0;
    for (const key of keys) {
      const record = this.failures.get(key);
      if (!record || record.count < this.freeAttempts) continue;
      const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (record.count - this.freeAttempts));
      wait = Math.max(wait, record.last + delay - this.now());
    }
    return Math.max(0, wait);
  }

  fail(keys: string[]): void {
    for (const key of keys) {
      const record = this.failures.get(key) ?? { count: 0, last: 0 };
      record.count += 1;
      record.last = this.now();
      this.failures.set(key, record);
    }
    if (this.failures.size > 100_000) this.failures.clear();
  }

  succeed(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }
}

/**
 * Caps attempts of any outcome per key in a sliding minute: a sign-in endpoint that answers quickly must
 * not let one address try thousands of names (password spraying), however many of them succeed in between.
 */
export class AttemptWindow {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt; returns the milliseconds to wait when the key is over its limit (not counted then). */
  take(key: string): number {
    const now = this.now();
    const recent = (this.attempts.get(key) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= this.perMinute) {
      this.attempts.set(key, recent);
      return recent[0] + 60_000 - now;
    }
    recent.push(now);
    this.attempts.set(key, recent);
    if (this.attempts.size > 100_000) this.attempts.clear();
    return 0;
  }
}
