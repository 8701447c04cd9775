import { loadavg } from 'node:os';
import fc from 'fast-check';
import { decodeAndJudge, mutatedContent, randomContent, resealedContent } from '../support/jt808-fuzz.js';

// `npm run fuzz:jt808`: a million fuzzed inputs through the JT/T 808 frame and body decoders (FUZZ_RUNS to
// change). Fails (exit 1) on the first input that throws or is refused without a reason, and prints it.
const total = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const plan: [string, fc.Arbitrary<Uint8Array>, number][] = [
  ['random bytes', randomContent, 0.4],
  ['mutated frames', mutatedContent, 0.3],
  ['resealed frames', resealedContent, 0.3],
];

const reasons = new Map<string, number>();
let positions = 0;
let framesOk = 0;
const started = performance.now();
console.log(
  `fuzzing the JT/T 808 decoder: ${total.toLocaleString('en')} inputs, seed ${seed}, load ${loadavg()[0].toFixed(1)}`,
);
for (const [name, arbitrary, share] of plan) {
  const runs = Math.round(total * share);
  const t0 = performance.now();
  fc.assert(
    fc.property(arbitrary, (bytes) => {
      const outcome = decodeAndJudge(bytes);
      if (outcome.frameOk) framesOk++;
      positions += outcome.positions;
      for (const r of outcome.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }),
    { numRuns: runs, seed },
  );
  console.log(`  ${name}: ${runs.toLocaleString('en')} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `done: ${total.toLocaleString('en')} inputs in ${seconds.toFixed(1)} s, no crash, every refusal with a reason`,
);
console.log(`  frames read: ${framesOk.toLocaleString('en')}; positions accepted: ${positions.toLocaleString('en')}`);
console.log(
  `  refusals by reason: ${[...reasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${r} ${n.toLocaleString('en')}`)
    .join(', ')}`,
);
