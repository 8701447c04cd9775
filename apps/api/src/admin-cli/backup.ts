import { parseArgs } from 'node:util';
import { backupDatabase, restoreDatabase } from '#app/db';

/**
 * `npm run backup -- --out <dir> [--positions <from>/<to> …]` and `npm run restore -- --from <dir>`, against
 * DATABASE_URL (see docs/operations.md). Positions are saved by fix-time range, [from, to), ISO 8601 times.
 */
const usage = `usage:
  DATABASE_URL=postgres://… npm run backup -- --out <dir> [--positions 2026-11-01T00:00:00+08:00/2026-12-01T00:00:00+08:00 …]
  DATABASE_URL=postgres://<new, empty database> npm run restore -- --from <dir>`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) fail('DATABASE_URL must name the database');
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    from: { type: 'string' },
    positions: { type: 'string', multiple: true },
  },
  strict: true,
});
try {
  if (values.out) {
    const positionRanges = (values.positions ?? []).map((range) => {
      const [from, to] = range.split('/').map((t) => new Date(t));
      if (!from || !to || Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || !(from < to)) {
        fail(`--positions ${range}: give two ISO 8601 times <from>/<to>, from before to`);
      }
      return { from, to };
    });
    const manifest = await backupDatabase({ databaseUrl, dir: values.out, positionRanges });
    const rows = manifest.positions.reduce((sum, r) => sum + r.rows, 0);
    process.stdout.write(`backup: ${values.out} (${Object.keys(manifest.tables).length} tables, ${rows} positions)\n`);
  } else if (values.from) {
    const manifest = await restoreDatabase({ databaseUrl, dir: values.from });
    process.stdout.write(`restored: ${values.from} from ${manifest.createdAt}\n`);
  } else {
    fail('say --out <dir> to back up or --from <dir> to restore');
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
