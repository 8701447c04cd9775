import type pg from 'pg';

/** A unit with `active` active cars and `decommissioned` retired ones, inserted straight into the registry. */
export async function insertFleet(
  db: pg.Pool,
  opts: { active: number; decommissioned?: number; quota?: number; name?: string },
): Promise<{ unitId: string; vehicleIds: string[] }> {
  const name = opts.name ?? `Unit ${Math.random().toString(36).slice(2, 8)}`;
  const unit = await db.query<{ id: string }>('INSERT INTO units (name, vehicle_quota) VALUES ($1, $2) RETURNING id', [
    name,
    opts.quota ?? opts.active + 10,
  ]);
  const unitId = unit.rows[0].id;
  const prefix = name
    .replace(/[^A-Z0-9]/gi, '')
    .slice(-2)
    .toUpperCase()
    .padStart(2, 'X');
  const vehicleIds: string[] = [];
  const total = opts.active + (opts.decommissioned ?? 0);
  for (let i = 0; i < total; i++) {
    const retired = i >= opts.active;
    const plate = `苏N·${prefix}${String(i).padStart(3, '0')}`;
    const row = await db.query<{ id: string }>(
      `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id, status, decommissioned_on)
       VALUES ($1, $2, 'general', $3, $4, $5) RETURNING id`,
      [plate, plate.replace('·', ''), unitId, retired ? 'decommissioned' : 'active', retired ? '2026-01-01' : null],
    );
    vehicleIds.push(row.rows[0].id);
  }
  return { unitId, vehicleIds };
}
