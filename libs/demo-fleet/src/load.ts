import { hashSecret } from '#app/crypto';
import { DEMO_BINDING_FROM, DEMO_UNITS, DEMO_VEHICLES, demoTerminalSecret } from './fleet.js';

/** Anything that runs SQL: a pg Pool or Client (`{ rows }`) or a TypeORM DataSource / EntityManager (rows). */
export interface DemoSqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A pg Pool hands out a client for the transaction; a TypeORM DataSource runs one itself. */
type PoolLike = DemoSqlRunner & { connect(): Promise<DemoSqlRunner & { release(): void }>; totalCount: number };
type DataSourceLike = DemoSqlRunner & { transaction<T>(work: (manager: DemoSqlRunner) => Promise<T>): Promise<T> };

export interface DemoFleetOptions {
  /** Seed of the demo terminal secrets; default `DEMO_SECRET_SEED` or the documented demo seed. */
  secretSeed?: string;
}

export interface DemoFleetResult {
  unitsCreated: number;
  vehiclesCreated: number;
  terminalsCreated: number;
  bindingsCreated: number;
}

/** Serialises two loaders started at once, so neither trips over the other's half-done rows. */
const DEMO_FLEET_LOCK = 7_340_101;

async function rows<T>(db: DemoSqlRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

async function inTransaction<T>(db: DemoSqlRunner, work: (tx: DemoSqlRunner) => Promise<T>): Promise<T> {
  if (typeof (db as DataSourceLike).transaction === 'function') return (db as DataSourceLike).transaction(work);
  const pool = db as PoolLike;
  const client = typeof pool.connect === 'function' && 'totalCount' in pool ? await pool.connect() : undefined;
  const tx = client ?? db;
  await tx.query('BEGIN');
  try {
    const result = await work(tx);
    await tx.query('COMMIT');
    return result;
  } catch (error) {
    await tx.query('ROLLBACK');
    throw error;
  } finally {
    client?.release();
  }
}

/**
 * Loads the district's demo fleet: 35 units with quotas, 403 cars with 苏N plates, one terminal per car
 * (secret from `demoTerminalSecret`) bound from DEMO_BINDING_FROM. Idempotent: rows that exist are left
 * as they are, and a car or terminal that has ever been bound is not bound again, so re-running it never
 * duplicates anything nor undoes changes made since.
 */
export async function loadDemoFleet(db: DemoSqlRunner, opts: DemoFleetOptions = {}): Promise<DemoFleetResult> {
  const seed = opts.secretSeed;
  return inTransaction(db, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [DEMO_FLEET_LOCK]);
    const units = await rows<{ id: string }>(
      tx,
      `INSERT INTO units (name, vehicle_quota)
       SELECT * FROM unnest($1::text[], $2::int[])
       ON CONFLICT (name) DO NOTHING RETURNING id`,
      [DEMO_UNITS.map((u) => u.name), DEMO_UNITS.map((u) => u.vehicleQuota)],
    );
    const vehicles = await rows<{ id: string }>(
      tx,
      `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id, commissioned_on)
       SELECT v.plate, v.normalized, v.category, u.id, v.commissioned
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[])
              AS v (plate, normalized, category, unit_name, commissioned)
         JOIN units u ON u.name = v.unit_name
       ON CONFLICT (plate_normalized) DO NOTHING RETURNING id`,
      [
        DEMO_VEHICLES.map((v) => v.plateNumber),
        DEMO_VEHICLES.map((v) => v.plateNormalized),
        DEMO_VEHICLES.map((v) => v.category),
        DEMO_VEHICLES.map((v) => v.unitName),
        DEMO_VEHICLES.map((v) => v.commissionedOn),
      ],
    );
    const terminals = await rows<{ terminal_id: string }>(
      tx,
      `INSERT INTO terminals (terminal_id, secret_hash, model)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT (terminal_id) DO NOTHING RETURNING terminal_id`,
      [
        DEMO_VEHICLES.map((v) => v.terminalId),
        DEMO_VEHICLES.map((v) => hashSecret(demoTerminalSecret(v.terminalId, seed))),
        DEMO_VEHICLES.map((v) => v.terminalModel),
      ],
    );
    const bindings = await rows<{ id: string }>(
      tx,
      `INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from)
       SELECT ve.id, b.terminal_id, $3::date
         FROM unnest($1::text[], $2::text[]) AS b (normalized, terminal_id)
         JOIN vehicles ve ON ve.plate_normalized = b.normalized AND ve.status = 'active'
        WHERE NOT EXISTS (SELECT 1 FROM terminal_bindings x WHERE x.vehicle_id = ve.id)
          AND NOT EXISTS (SELECT 1 FROM terminal_bindings x WHERE x.terminal_id = b.terminal_id)
       RETURNING id`,
      [DEMO_VEHICLES.map((v) => v.plateNormalized), DEMO_VEHICLES.map((v) => v.terminalId), DEMO_BINDING_FROM],
    );
    return {
      unitsCreated: units.length,
      vehiclesCreated: vehicles.length,
      terminalsCreated: terminals.length,
      bindingsCreated: bindings.length,
    };
  });
}
