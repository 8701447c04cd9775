import { readFileSync } from 'node:fs';

/** Dependencies stay pinned: an exact version in package.json, and the lock file installs that version. */
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string> | undefined>;
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
  packages: Record<string, { version?: string }>;
};
const EXACT = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

const declared = (['dependencies', 'devDependencies', 'overrides'] as const).flatMap((field) =>
  Object.entries(pkg[field] ?? {}).map(([name, version]) => [field, name, version] as const),
);

describe('supply chain', () => {
  it('declares dependencies at all', () => {
    expect(declared.length).toBeGreaterThan(20);
  });

  it.each(declared)('%s pins %s to an exact version (%s)', (_field, _name, version) => {
    expect(version).toMatch(EXACT);
  });

  it.each(declared.filter(([field]) => field !== 'overrides'))(
    '%s %s: the lock file installs %s',
    (_field, name, version) => {
      expect(lock.packages[`node_modules/${name}`]?.version).toBe(version);
    },
  );
});
