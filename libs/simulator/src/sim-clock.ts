/**
 * Simulated time: runs `speedup` times faster than the real clock from `start`, but never ahead of the real
 * clock, since the platform refuses fixes from the future. A start in the past with a speedup fast-forwards
 * through it and then runs in real time.
 */
export interface SimulatedClock {
  now(): number;
  readonly speedup: number;
}

export function simulatedClock(start: number, speedup: number, realNow: () => number = Date.now): SimulatedClock {
  const realStart = realNow();
  return {
    speedup,
    now: () => {
      const real = realNow();
      return Math.min(real, start + (real - realStart) * speedup);
    },
  };
}
