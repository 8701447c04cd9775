import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The node flags an npm script starts its app with (e.g. `start`), so a benchmark runs what production runs. */
export function startFlags(root: string, script: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return scripts[script].split(' ').filter((word) => word.startsWith('--'));
}
