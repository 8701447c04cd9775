/** A small seeded generator: the same car on the same day drives the same way on every machine. */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts, so `seedOf(terminalId, day)` names one stream of random numbers. */
export function seedOf(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function randomFor(...parts: (string | number)[]): Random {
  return mulberry32(seedOf(...parts));
}

export const between = (random: Random, min: number, max: number) => min + random() * (max - min);
export const intBetween = (random: Random, min: number, max: number) => Math.floor(between(random, min, max + 1));
