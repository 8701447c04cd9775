/** Anything that runs SQL with positional parameters (a pg Pool or client, a TypeORM EntityManager). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export interface SilentTerminalFinding {
  violationId: string;
  vehicleId: string;
  terminalId: string;
  silentSince: Date;
}

/**
 * Terminal silent: raises a `terminal_silent` violation for every active car whose bound terminal has sent
 * no accepted position for `silentHours` (since its binding began when it never sent one). The finding
 * starts at the last position (or the binding), so sweeping again — from any app — raises nothing twice.
 * Returns the findings newly raised.
 */
export async function sweepSilentTerminals(
  db: Queryable,
  now: Date,
  silentHours: number,
  timeZone = 'Asia/Shanghai',
): Promise<SilentTerminalFinding[]> {
  const raw = await db.query(
    `WITH bound AS (
       SELECT b.vehicle_id, b.terminal_id, (b.valid_from::timestamp AT TIME ZONE $3) AS bound_since
         FROM terminal_bindings b JOIN vehicles v ON v.id = b.vehicle_id
        WHERE b.valid_to IS NULL AND v.status = 'active'
     ), last AS (
       SELECT bound.*, position_last_fix(bound.terminal_id, $1) AS last_fix
         FROM bound
     ), silent AS (
       SELECT vehicle_id, terminal_id, coalesce(last_fix, bound_since) AS since, last_fix
         FROM last
        WHERE coalesce(last_fix, bound_since) <= $1::timestamptz - make_interval(hours => $2)
     )
     INSERT INTO violations (vehicle_id, terminal_id, rule, kind, start_time, end_time, evidence)
     SELECT vehicle_id, terminal_id, 'terminal_silent', 'violation', since, $1,
            jsonb_build_object('from', since, 'to', $1::timestamptz, 'positions', 0, 'fence', null,
              'parameters', jsonb_build_object('silentHours', $2), 'ordersConsidered', '[]'::jsonb,
              'details', jsonb_build_object('lastPosition', last_fix))
       FROM silent
     ON CONFLICT (vehicle_id, rule, start_time) DO NOTHING
     RETURNING id, vehicle_id, terminal_id, start_time`,
    [now, silentHours, timeZone],
  );
  const rows = (Array.isArray(raw) ? raw : (raw as { rows: unknown[] }).rows) as {
    id: string;
    vehicle_id: string;
    terminal_id: string;
    start_time: Date;
  }[];
  return rows.map((r) => ({
    violationId: r.id,
    vehicleId: r.vehicle_id,
    terminalId: r.terminal_id,
    silentSince: r.start_time,
  }));
}
