import type pg from 'pg';

export interface SeededCar {
  vehicleId: string;
  terminalId: string | null;
}

/** A unit with its cars, each bound to its own terminal unless `terminal` is false; straight into the tables. */
export async function seedUnit(
  db: pg.Pool,
  name: string,
  cars: { plate: string; category?: string; terminal?: boolean; status?: 'active' | 'decommissioned' }[],
): Promise<{ unitId: string; cars: SeededCar[] }> {
  const unit = await db.query<{ id: string }>('INSERT INTO units (name, vehicle_quota) VALUES ($1, 50) RETURNING id', [
    name,
  ]);
  const unitId = unit.rows[0].id;
  const seeded: SeededCar[] = [];
  for (const car of cars) {
    const decommissioned = car.status === 'decommissioned';
    const vehicle = await db.query<{ id: string }>(
      `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id, status, decommissioned_on)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        car.plate,
        car.plate.replace(/\W/g, '').toUpperCase(),
        car.category ?? 'general',
        unitId,
        car.status ?? 'active',
        decommissioned ? '2026-01-01' : null,
      ],
    );
    const vehicleId = vehicle.rows[0].id;
    let terminalId: string | null = null;
    if (car.terminal !== false) {
      terminalId = `T${car.plate.replace(/\W/g, '')}`;
      await db.query('INSERT INTO terminals (terminal_id, secret_hash) VALUES ($1, $2)', [terminalId, 'x']);
      await db.query('INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from) VALUES ($1, $2, $3)', [
        vehicleId,
        terminalId,
        '2025-01-01',
      ]);
    }
    seeded.push({ vehicleId, terminalId });
  }
  return { unitId, cars: seeded };
}

export interface LiveRowInput {
  terminalId: string;
  vehicleId: string;
  fixTime: Date | null;
  receivedAt: Date | null;
  lat?: number;
  lon?: number;
  speedKmh?: number;
  headingDeg?: number;
  ignition?: boolean;
  alarmFlags?: number;
  online: boolean;
}

export async function putLive(db: pg.Pool, row: LiveRowInput): Promise<void> {
  await db.query(
    `INSERT INTO vehicle_live (terminal_id, vehicle_id, fix_time, received_at, lat, lon, speed_kmh, heading_deg,
                               ignition, alarm_flags, valid, online, online_changed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, true, $11, $4)
     ON CONFLICT (terminal_id) DO UPDATE SET fix_time = EXCLUDED.fix_time, received_at = EXCLUDED.received_at,
       lat = EXCLUDED.lat, lon = EXCLUDED.lon, online = EXCLUDED.online`,
    [
      row.terminalId,
      row.vehicleId,
      row.fixTime,
      row.receivedAt,
      row.lat ?? null,
      row.lon ?? null,
      row.speedKmh ?? null,
      row.headingDeg ?? null,
      row.ignition ?? null,
      row.alarmFlags ?? null,
      row.online,
    ],
  );
}

export interface PositionInput {
  terminalId: string;
  vehicleId: string;
  fixTime: string;
  lat: number;
  lon: number;
  speedKmh?: number;
  ignition?: boolean;
  alarmFlags?: number;
  valid?: boolean;
  replay?: boolean;
}

export async function putPositions(db: pg.Pool, rows: PositionInput[]): Promise<void> {
  for (const row of rows) {
    await db.query(
      `INSERT INTO positions (terminal_id, fix_time, vehicle_id, lat, lon, speed_kmh, ignition, alarm_flags, valid, replay)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        row.terminalId,
        row.fixTime,
        row.vehicleId,
        row.lat,
        row.lon,
        row.speedKmh ?? null,
        row.ignition ?? null,
        row.alarmFlags ?? null,
        row.valid ?? true,
        row.replay ?? false,
      ],
    );
  }
}
