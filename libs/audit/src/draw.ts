import { createHash, createHmac } from 'node:crypto';

/**
 * The published draw algorithm. Anyone holding the seed and the roster can repeat it:
 *
 * 1. The roster is the ids of the active cars, sorted by code unit (plain `<` on strings), one per line
 *    joined with `\n`; its SHA-256 in hex is the roster hash.
 * 2. A stream of 32-bit unsigned big-endian words comes from HMAC-SHA256(key = seed, message = counter as
 *    a 4-byte big-endian integer), counter 0, 1, 2, …, each block giving 8 words.
 * 3. Partial Fisher–Yates: for i = 0 … k−1, with m = n − i, take words until one is below
 *    floor(2^32 / m) · m (rejection, so every j is equally likely), let j = i + word mod m and swap
 *    positions i and j. The sample is positions 0 … k−1, in that order.
 */
export const DRAW_ALGORITHM = 'hmac-sha256-fisher-yates-v1';

/** The policy floor: at least 10 % of the active cars every week. */
export const POLICY_MIN_RATE = 0.1;

export function canonicalRoster(vehicleIds: readonly string[]): string[] {
  return [...new Set(vehicleIds)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function rosterHash(roster: readonly string[]): string {
  return createHash('sha256').update(roster.join('\n')).digest('hex');
}

/** ceil(rate × active) without the floating-point surprise of 0.1 × 30 = 3.0000000000000004. */
function ceilShare(active: number, rate: number): number {
  return Math.ceil(Math.round(active * rate * 1e6) / 1e6);
}

/** max(ceil(rate × active), ceil(10 % × active)), never more than the fleet. */
export function sampleSize(active: number, rate: number): number {
  return Math.min(active, Math.max(ceilShare(active, rate), ceilShare(active, POLICY_MIN_RATE)));
}

class WordStream {
  private counter = 0;
  private block = Buffer.alloc(0);
  private offset = 0;
  constructor(private readonly seed: Buffer) {}

  next(): number {
    if (this.offset >= this.block.length) {
      const message = Buffer.alloc(4);
      message.writeUInt32BE(this.counter++);
      this.block = createHmac('sha256', this.seed).update(message).digest();
      this.offset = 0;
    }
    const word = this.block.readUInt32BE(this.offset);
    this.offset += 4;
    return word;
  }
}

const TWO_32 = 2 ** 32;

/** The deterministic uniform sample of `k` ids from the canonical roster (see DRAW_ALGORITHM). */
export function drawSample(seed: Buffer, roster: readonly string[], k: number): string[] {
  if (seed.length < 16) throw new Error('the seed must be at least 16 bytes');
  const items = [...roster];
  const n = items.length;
  const words = new WordStream(seed);
  const count = Math.min(k, n);
  for (let i = 0; i < count; i++) {
    const m = n - i;
    const limit = Math.floor(TWO_32 / m) * m;
    let word = words.next();
    while (word >= limit) word = words.next();
    const j = i + (word % m);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items.slice(0, count);
}
