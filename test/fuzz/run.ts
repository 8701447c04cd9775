import fc from 'fast-check';
import { fuzzInput, fuzzOne } from './telemetry-fuzz.js';

/**
 * Fuzzes the MQTT decoders (JSON and protobuf) with FUZZ_INPUTS generated messages (default 1,000,000),
 * FUZZ_SEED to repeat a run. Prints the rate, how many positions were stored and rejections by reason;
 * exits non-zero with the counterexample on the first broken property.
 *
 *   npm run fuzz
 *   FUZZ_INPUTS=5000000 FUZZ_SEED=42 npm run fuzz
 */
const INPUTS = Number(process.env.FUZZ_INPUTS ?? 1_000_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const CHUNK = 100_000;

const byReason = new Map<string, number>();
let positions = 0;
let done = 0;
const started = performance.now();
for (let chunk = 0; done < INPUTS; chunk++) {
  const runs = Math.min(CHUNK, INPUTS - done);
  fc.assert(
    fc.property(fuzzInput, (input) => {
      const result = fuzzOne(input);
      positions += result.positions.length;
      for (const r of result.rejections) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
    }),
    { numRuns: runs, seed: SEED + chunk },
  );
  done += runs;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${done} inputs, ${Math.round(done / seconds)} /s, rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB\n`,
  );
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify(
    {
      inputs: done,
      seed: SEED,
      seconds: Number(seconds.toFixed(1)),
      perSecond: Math.round(done / seconds),
      crashes: 0,
      positionsStored: positions,
      rejectionsByReason: Object.fromEntries([...byReason].sort((a, b) => b[1] - a[1])),
    },
    null,
    2,
  )}\n`,
);
