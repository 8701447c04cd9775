/** Anything that runs SQL: a TypeORM DataSource or EntityManager (rows) or a pg Pool or Client (`{ rows }`). */
export interface RegistrySqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** One period in which a terminal sat in a car; `validTo` is its last day (inclusive), null while it holds. */
export interface Binding {
  id: string;
  vehicleId: string;
  terminalId: string;
  /** `YYYY-MM-DD` */
  validFrom: string;
  /** `YYYY-MM-DD`, or null while the binding is open. */
  validTo: string | null;
}

interface BindingRow {
  id: string;
  vehicle_id: string;
  terminal_id: string;
  valid_from: string;
  valid_to: string | null;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export async function selectRows<T>(db: RegistrySqlRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

export function bindingFromRow(row: BindingRow): Binding {
  return {
    id: row.id,
    vehicleId: row.vehicle_id,
    terminalId: row.terminal_id,
    validFrom: row.valid_from,
    validTo: row.valid_to,
  };
}

// Dates as text: node-postgres would turn a `date` into a Date at the process's local midnight.
export const BINDING_COLUMNS = `id, vehicle_id, terminal_id, valid_from::text AS valid_from, valid_to::text AS valid_to`;

/**
 * The binding that held for this car on local day `date` (`YYYY-MM-DD`; both ends inclusive), or null:
 * "which terminal was in this car on day D?" — what the payment gate asks before paying for fuel or repair.
 */
export async function bindingOn(db: RegistrySqlRunner, vehicleId: string, date: string): Promise<Binding | null> {
  if (!DAY.test(date)) throw new Error(`bindingOn: date must be YYYY-MM-DD, got "${date}"`);
  const [row] = await selectRows<BindingRow>(
    db,
    `SELECT ${BINDING_COLUMNS} FROM terminal_bindings
      WHERE vehicle_id = $1 AND valid_from <= $2::date AND (valid_to IS NULL OR valid_to >= $2::date)
      ORDER BY valid_from DESC LIMIT 1`,
    [vehicleId, date],
  );
  return row ? bindingFromRow(row) : null;
}

/** The id of the terminal bound to this car on `date`, or null when none was. */
export async function boundTerminalOn(db: RegistrySqlRunner, vehicleId: string, date: string): Promise<string | null> {
  return (await bindingOn(db, vehicleId, date))?.terminalId ?? null;
}

/** Every binding the car has had, oldest first. */
export async function bindingHistory(db: RegistrySqlRunner, vehicleId: string): Promise<Binding[]> {
  const found = await selectRows<BindingRow>(
    db,
    `SELECT ${BINDING_COLUMNS} FROM terminal_bindings WHERE vehicle_id = $1 ORDER BY valid_from, created_at`,
    [vehicleId],
  );
  return found.map(bindingFromRow);
}
