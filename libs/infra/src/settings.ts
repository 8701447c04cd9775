import type pg from 'pg';

/** Reads a service-wide setting, creating it once with `make()` when absent (first writer wins). */
export async function settingOrCreate(db: pg.Pool, key: string, make: () => string): Promise<string> {
  await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, make()]);
  const { rows } = await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
  return rows[0].value;
}

/** The running demo's replay clock, `{ clock, reportedAt }` as JSON, so the fleet view can show it. */
export const DEMO_REPLAY_SETTING = 'demo_replay_clock';

/** Writes a setting, replacing its value. */
export async function putSetting(db: pg.Pool, key: string, value: string): Promise<void> {
  await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2', [
    key,
    value,
  ]);
}
