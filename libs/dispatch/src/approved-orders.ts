import type { ApprovedDispatchOrder } from '#app/rules';

export const DISPATCH_ORDER_STATUSES = ['requested', 'approved', 'rejected', 'cancelled', 'ended'] as const;
export type DispatchOrderStatus = (typeof DISPATCH_ORDER_STATUSES)[number];

/** A TypeORM DataSource/EntityManager (rows) or a pg Pool/Client (`{ rows }`). */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

interface OrderRow {
  id: string;
  vehicle_id: string;
  start_time: Date;
  effective_end: Date;
  leaves_jurisdiction: boolean;
  destination_fence_id: string | null;
  driver: string | null;
}

const ORDER_SQL = `
  SELECT id, vehicle_id, start_time, leaves_jurisdiction, destination_fence_id, driver,
         CASE WHEN status = 'ended' THEN LEAST(ended_at, end_time) ELSE end_time END AS effective_end
    FROM dispatch_orders
   WHERE status IN ('approved', 'ended')
     AND start_time <= $2
     AND (CASE WHEN status = 'ended' THEN LEAST(ended_at, end_time) ELSE end_time END) >= $1`;

function toOrder(row: OrderRow): ApprovedDispatchOrder {
  return {
    id: row.id,
    vehicleId: row.vehicle_id,
    start: new Date(row.start_time),
    end: new Date(row.effective_end),
    leavesJurisdiction: row.leaves_jurisdiction,
    destinationFenceId: row.destination_fence_id,
    driver: row.driver,
  };
}

async function rows<T>(db: SqlRunner, sql: string, params: unknown[]): Promise<T[]> {
  const result = await db.query(sql, params);
  return (Array.isArray(result) ? result : ((result as { rows?: T[] }).rows ?? [])) as T[];
}

/**
 * The approved orders of a car overlapping [from, to], oldest first. An order ended early counts up to the
 * moment it was ended; cancelled, rejected and still-requested orders never count.
 */
export async function approvedOrdersFor(
  db: SqlRunner,
  vehicleId: string,
  from: Date,
  to: Date,
): Promise<ApprovedDispatchOrder[]> {
  const found = await rows<OrderRow>(db, `${ORDER_SQL} AND vehicle_id = $3 ORDER BY start_time, id`, [
    from,
    to,
    vehicleId,
  ]);
  return found.map(toOrder);
}

/** The same for these cars at once, grouped by vehicle id. */
export async function approvedOrdersByVehicle(
  db: SqlRunner,
  from: Date,
  to: Date,
  vehicleIds: string[],
): Promise<Map<string, ApprovedDispatchOrder[]>> {
  const { sql, params } = approvedOrdersQuery(from, to, vehicleIds);
  return ordersByVehicle(await rows<OrderRow>(db, sql, params));
}

/** The statement of approvedOrdersByVehicle with its values, to send with others; ordersByVehicle reads its rows. */
export function approvedOrdersQuery(from: Date, to: Date, vehicleIds: string[]): { sql: string; params: unknown[] } {
  return {
    sql: `${ORDER_SQL} AND vehicle_id = ANY($3::uuid[]) ORDER BY vehicle_id, start_time, id`,
    params: [from, to, vehicleIds],
  };
}

/** The rows of approvedOrdersQuery as orders grouped by vehicle id. */
export function ordersByVehicle(found: unknown[]): Map<string, ApprovedDispatchOrder[]> {
  const byVehicle = new Map<string, ApprovedDispatchOrder[]>();
  for (const row of found as OrderRow[]) {
    const order = toOrder(row);
    const list = byVehicle.get(order.vehicleId);
    if (list) list.push(order);
    else byVehicle.set(order.vehicleId, [order]);
  }
  return byVehicle;
}
