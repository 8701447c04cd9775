import type pg from 'pg';
import { normalizePlate } from '#app/db';

/** Registry rows for gate tests, written straight to the database the API reads. */
export async function addUnit(db: pg.Pool, name: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO units (name, vehicle_quota) VALUES ($1, 100) RETURNING id',
    [name],
  );
  return rows[0].id;
}

export async function addCar(
  db: pg.Pool,
  unitId: string,
  plate: string,
  decommissionedOn: string | null = null,
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id, status, commissioned_on, decommissioned_on)
     VALUES ($1, $2, 'general', $3, $4, '2024-01-01', $5) RETURNING id`,
    [plate, normalizePlate(plate), unitId, decommissionedOn ? 'decommissioned' : 'active', decommissionedOn],
  );
  return rows[0].id;
}

/** Binds a (new) terminal to the car from `from` to `to` inclusive, or open-ended. */
export async function bind(
  db: pg.Pool,
  vehicleId: string,
  terminalId: string,
  from: string,
  to: string | null = null,
): Promise<void> {
  await db.query(`INSERT INTO terminals (terminal_id, secret_hash) VALUES ($1, 'x') ON CONFLICT DO NOTHING`, [
    terminalId,
  ]);
  await db.query(
    'INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)',
    [vehicleId, terminalId, from, to],
  );
}

/** An accepted position of the terminal at an instant written with its offset. */
export async function heardAt(db: pg.Pool, terminalId: string, vehicleId: string, at: string): Promise<void> {
  await db.query(
    `INSERT INTO positions (terminal_id, fix_time, vehicle_id, lat, lon, speed_kmh)
     VALUES ($1, $2, $3, 32.39, 119.41, 0)`,
    [terminalId, at, vehicleId],
  );
}
