import { createHash } from 'node:crypto';
import { canonicalRoster, drawSample, rosterHash, sampleSize } from './draw.js';

const ROSTER = Array.from({ length: 10 }, (_, i) => `car-${String(i).padStart(2, '0')}`);
const seedOf = (text: string) => createHash('sha256').update(text).digest();

describe('the weekly audit draw', () => {
  it.each([
    [403, 0.1, 41],
    [30, 0.1, 3],
    [10, 0.1, 1],
    [5, 0.1, 1],
    [0, 0.1, 0],
    [403, 0.25, 101],
    [403, 0.15, 61],
    [7, 0.05, 1],
    [3, 1, 3],
  ])('samples %i active cars at rate %f as %i cars (never below ceil(10 %%))', (active, rate, expected) => {
    expect(sampleSize(active, rate)).toBe(expected);
  });

  it('repeats the same sample from the same seed and roster', () => {
    const seed = seedOf('week');
    expect(drawSample(seed, ROSTER, 4)).toEqual(drawSample(seed, ROSTER, 4));
  });

  it('keeps the published algorithm stable (known answer)', () => {
    const seed = Buffer.alloc(32, 1);
    expect(drawSample(seed, ROSTER, 3)).toEqual(KNOWN_ANSWER);
  });

  it('draws distinct cars of the roster, as many as asked, and the whole roster when asked for more', () => {
    const sample = drawSample(seedOf('x'), ROSTER, 6);
    expect(sample).toHaveLength(6);
    expect(new Set(sample).size).toBe(6);
    for (const id of sample) expect(ROSTER).toContain(id);
    expect([...drawSample(seedOf('y'), ROSTER, 50)].sort()).toEqual(ROSTER);
  });

  it('gives a different sample for a different seed', () => {
    const a = drawSample(seedOf('a'), ROSTER, 5).join();
    const b = drawSample(seedOf('b'), ROSTER, 5).join();
    expect(a).not.toBe(b);
  });

  it('picks every car about equally often over many seeds', () => {
    const counts = new Map<string, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const [first] = drawSample(seedOf(`seed-${i}`), ROSTER, 1);
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    // Expected 2000 each; ±10 % is more than 4 standard deviations (σ ≈ 42).
    for (const id of ROSTER) expect(Math.abs((counts.get(id) ?? 0) - 2000)).toBeLessThan(200);
  });

  it('refuses a short seed', () => {
    expect(() => drawSample(Buffer.alloc(8), ROSTER, 1)).toThrow(/seed/);
  });

  it('sorts and de-duplicates the roster before hashing it', () => {
    const roster = canonicalRoster(['b', 'a', 'c', 'a']);
    expect(roster).toEqual(['a', 'b', 'c']);
    expect(rosterHash(roster)).toBe(createHash('sha256').update('a\nb\nc').digest('hex'));
    expect(rosterHash(['a', 'b'])).not.toBe(rosterHash(['a', 'b', 'c']));
  });
});

// Worked out by hand-following the steps in DRAW_ALGORITHM's comment with Node's crypto.
const KNOWN_ANSWER = ['car-06', 'car-09', 'car-02'];
