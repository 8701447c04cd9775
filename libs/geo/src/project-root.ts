import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding the project's package.json, found by walking up from this module, so data files
 * resolve the same from the TypeScript sources (tests) and from the compiled output under dist/.
 */
export function projectRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no project root (a folder with package.json and libs/) above ${from}`);
    dir = parent;
  }
}

/** A file shipped in the project, e.g. `libs/geo/assets/…`. */
export function projectFile(...parts: string[]): string {
  return join(projectRoot(), ...parts);
}
