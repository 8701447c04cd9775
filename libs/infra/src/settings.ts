import type pg from 'pg';

/** Reads a service-wide setting, creating it once with `make()` when absent (first writer wins). */
export async function settingOrCreate(db: pg.Pool, key: string, make: () => string): Promise<string> {
  await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, make()]);
  const { rows } = await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
  return rows[0].value;
}
