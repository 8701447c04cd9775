import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The node flags an npm script starts its app with (e.g. `start`), so a benchmark runs what production runs. */
export function startFlags(root: string, script: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return scripts[script].split(' ').filter((word) => word.startsWith('--'));
}

/** The value at or above `p` per cent of an ascending list (NaN for an empty one). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
