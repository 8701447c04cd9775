import fc from 'fast-check';
import { fuzzInput, fuzzOne } from './telemetry-fuzz.js';

describe('MQTT decoders under 100,000 generated messages', () => {
  it('never throw, never reach their catch-all, and record every rejection with a known reason', () => {
    const tally = { messages: 0, positions: 0, rejections: 0 };
    fc.assert(
      fc.property(fuzzInput, (input) => {
        const result = fuzzOne(input);
        tally.messages += 1;
        tally.positions += result.positions.length;
        tally.rejections += result.rejections.length;
      }),
      { numRuns: 100_000, seed: 20261207 },
    );
    expect(tally.messages).toBe(100_000);
    // The generator reaches both sides: some messages are stored, many are rejected.
    expect(tally.positions).toBeGreaterThan(100);
    expect(tally.rejections).toBeGreaterThan(10_000);
  }, 600_000);
});
