import fc from 'fast-check';
import { anyContent, decodeAndJudge, mutatedContent, randomContent, resealedContent } from '../support/jt808-fuzz.js';

// Property-based fuzzing of the JT/T 808 decoder: 100,000 inputs in all (npm run fuzz:jt808 runs a million).
// The property: nothing throws, and whatever is refused is refused with one of the contract's reasons and a
// detail; nothing impossible is accepted.
describe('JT/T 808 decoder under fuzzing', () => {
  it('never throws and refuses every bad frame with a reason: 30,000 random byte strings', () => {
    fc.assert(
      fc.property(randomContent, (bytes) => void decodeAndJudge(bytes)),
      { numRuns: 30_000 },
    );
  });

  it('refuses mutated frames (check code not redone) with CHECKSUM or FRAME, never accepting them silently: 30,000', () => {
    let refused = 0;
    fc.assert(
      fc.property(mutatedContent, (bytes) => {
        const outcome = decodeAndJudge(bytes);
        if (!outcome.frameOk) refused++;
      }),
      { numRuns: 30_000 },
    );
    // A single-byte change always breaks the XOR; only several edits that cancel out can pass.
    expect(refused).toBeGreaterThan(29_000);
  });

  it('judges resealed frames (bodies changed, check code redone) item by item with known reasons: 30,000', () => {
    const reasons = new Set<string>();
    fc.assert(
      fc.property(resealedContent, (bytes) => {
        for (const r of decodeAndJudge(bytes).reasons) reasons.add(r);
      }),
      { numRuns: 30_000 },
    );
    // The generator reaches the body checks, not just the frame ones.
    expect([...reasons]).toEqual(expect.arrayContaining(['OUT_OF_RANGE', 'FUTURE', 'TOO_OLD', 'SCHEMA', 'FRAME']));
  });

  it('holds on a mix of all three: 10,000', () => {
    fc.assert(
      fc.property(anyContent, (bytes) => void decodeAndJudge(bytes)),
      { numRuns: 10_000 },
    );
  });
});
