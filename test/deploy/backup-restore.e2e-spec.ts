import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import pg from 'pg';
import { backupDatabase, restoreDatabase, RestoreError, runMigrations, type BackupManifest } from '#app/db';
import { registerFleet } from '../ingest/support/fleet.js';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { databaseUrl, testRunId, withServer } from '../support/test-database.js';

jest.setTimeout(120_000);
const run = promisify(execFile);

const DAY = 86_400_000;
/** Three days of fixes, one every 10 minutes, for one car. */
const START = Date.parse('2026-11-16T00:00:00+08:00');

/**
 * The backup procedure of docs/operations.md on plain PostgreSQL: everything but the raw positions in one
 * dump, positions by time range, restored into a new database that then holds the same records.
 */
describe('backup and restore', () => {
  let api: TestApi;
  let dir: string;
  let manifest: BackupManifest;
  const targets: string[] = [];

  async function emptyDatabase(): Promise<string> {
    const name = `oversight_restore_${testRunId()}_${targets.length}`;
    await withServer((c) => c.query(`CREATE DATABASE ${name}`));
    targets.push(name);
    return databaseUrl(name);
  }
  const rowsOf = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    api = await startTestApi();
    const [car] = await registerFleet(api.db, ['BK-1']);
    await api.db.query(
      `INSERT INTO positions (terminal_id, vehicle_id, fix_time, lat, lon)
       SELECT 'BK-1', $1, to_timestamp(($2::bigint + g * 600000) / 1000.0), 33.9 + g / 1e4, 118.3
       FROM generate_series(0, 431) g`,
      [car.vehicleId, START],
    );
    // A decision of the payment gate: a record and its history entry.
    const finance = await api.tokenFor(['finance']);
    await api.http
      .post('/api/v1/payment-gate/checks')
      .set('Authorization', `Bearer ${finance}`)
      .send({
        plateNumber: 'TBK-1',
        expenseType: 'toll',
        amount: '20.00',
        invoiceNo: 'BK-INV-1',
        expenseDate: '2026-11-17',
      })
      .expect(200);
    dir = mkdtempSync(join(tmpdir(), 'oversight-backup-'));
    manifest = await backupDatabase({
      databaseUrl: api.database.url,
      dir,
      positionRanges: [{ from: new Date(START + DAY), to: new Date(START + 2 * DAY) }],
    });
  });

  afterAll(async () => {
    await api?.close();
    for (const name of targets) await withServer((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a manifest with the row counts, the day of positions asked for and each file’s SHA-256', () => {
    expect(manifest.positions).toEqual([
      expect.objectContaining({ from: '2026-11-16T16:00:00.000Z', to: '2026-11-17T16:00:00.000Z', rows: 144 }),
    ]);
    expect(manifest.tables).toMatchObject({ payment_checks: 1, vehicles: 1, terminals: 1 });
    expect(manifest.tables.history).toBeGreaterThanOrEqual(2);
    expect(manifest.core.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
  });

  it('restores into a new database the same records, the same hash chain and that day’s positions', async () => {
    const target = await emptyDatabase();
    await restoreDatabase({ databaseUrl: target, dir });
    const history = 'SELECT seq, entity_type, action, data, prev_hash, hash FROM history ORDER BY seq';
    expect(await rowsOf(target, history)).toEqual((await api.db.query(history)).rows);
    const checks = 'SELECT check_id, decision, reasons, invoice_no FROM payment_checks ORDER BY check_id';
    expect(await rowsOf(target, checks)).toEqual((await api.db.query(checks)).rows);
    const span = 'SELECT count(*)::int AS n, min(fix_time) AS first, max(fix_time) AS last FROM positions';
    expect(await rowsOf(target, span)).toEqual([
      { n: 144, first: new Date(START + DAY), last: new Date(START + 2 * DAY - 600_000) },
    ]);
    // The schema came back whole: nothing left for the service to migrate.
    expect(await runMigrations(target)).toEqual([]);
  });

  it('refuses a damaged backup, naming the file, and a target that is not empty', async () => {
    const damaged = mkdtempSync(join(tmpdir(), 'oversight-backup-damaged-'));
    try {
      cpSync(dir, damaged, { recursive: true });
      const file = join(damaged, manifest.positions[0].file);
      const bytes = readFileSync(file);
      bytes[bytes.length - 10] ^= 0xff;
      writeFileSync(file, bytes);
      const target = await emptyDatabase();
      await expect(restoreDatabase({ databaseUrl: target, dir: damaged })).rejects.toThrow(
        new RestoreError(
          `${manifest.positions[0].file} does not match its SHA-256 in manifest.json: the backup is damaged`,
        ),
      );
      await expect(restoreDatabase({ databaseUrl: api.database.url, dir })).rejects.toThrow(/not empty/);
    } finally {
      rmSync(damaged, { recursive: true, force: true });
    }
  });

  it('is the same through npm run backup and npm run restore', async () => {
    const out = mkdtempSync(join(tmpdir(), 'oversight-backup-cli-'));
    try {
      const cli = 'dist/apps/api/src/admin-cli/backup.js';
      const backup = await run(
        'node',
        [cli, '--out', out, '--positions', '2026-11-16T00:00:00+08:00/2026-11-19T00:00:00+08:00'],
        {
          env: { ...process.env, DATABASE_URL: api.database.url },
        },
      );
      expect(backup.stdout).toMatch(/^backup: .+ \(\d+ tables, 432 positions\)$/m);
      const target = await emptyDatabase();
      const restore = await run('node', [cli, '--from', out], { env: { ...process.env, DATABASE_URL: target } });
      expect(restore.stdout).toMatch(/^restored: /m);
      expect(await rowsOf(target, 'SELECT count(*)::int AS n FROM positions')).toEqual([{ n: 432 }]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
