import type { DataSource, EntityManager } from 'typeorm';

/** What the quota (编制) check saw: the unit's cars now, those already bought but not yet in service, and this request. */
export interface QuotaCheck {
  passed: boolean;
  unitQuota: number;
  activeCars: number;
  /** Cars of approved purchases not yet registered as in service. */
  approvedNotInService: number;
  /** Active cars that approved purchases not yet in service will replace. */
  replacedByApproved: number;
  requested: number;
  replaced: number;
  afterPurchase: number;
}

/**
 * The unit's cars once every approved purchase and this request are in service and the cars they replace
 * are gone. An approved purchase counts until all its cars are registered against it; the car it replaces
 * frees a place only while that car is still active (otherwise it was already counted out).
 */
export async function checkQuota(
  manager: EntityManager | DataSource,
  request: { id: string; unit_id: string; count: number; replaces_vehicle_id: string | null },
): Promise<QuotaCheck> {
  const rows: { quota: number; active: string; pending: string; pending_replaced: string; replaced: string }[] =
    await manager.query(
      `WITH pending AS (
         SELECT r.count - (SELECT count(*) FROM vehicles v WHERE v.purchase_request_id = r.id) AS remaining,
                EXISTS (SELECT 1 FROM vehicles v
                         WHERE v.id = r.replaces_vehicle_id AND v.unit_id = r.unit_id AND v.status = 'active') AS frees
           FROM purchase_requests r
          WHERE r.unit_id = $1 AND r.status = 'approved' AND r.id <> $2)
       SELECT u.vehicle_quota AS quota,
              (SELECT count(*) FROM vehicles v WHERE v.unit_id = u.id AND v.status = 'active') AS active,
              (SELECT coalesce(sum(remaining), 0) FROM pending WHERE remaining > 0) AS pending,
              (SELECT count(*) FROM pending WHERE remaining > 0 AND frees) AS pending_replaced,
              (SELECT count(*) FROM vehicles v
                WHERE v.id = $3 AND v.unit_id = u.id AND v.status = 'active') AS replaced
         FROM units u WHERE u.id = $1`,
      [request.unit_id, request.id, request.replaces_vehicle_id],
    );
  const row = rows[0];
  const activeCars = Number(row.active);
  const approvedNotInService = Number(row.pending);
  const replacedByApproved = Number(row.pending_replaced);
  const replaced = Number(row.replaced);
  const afterPurchase = activeCars + approvedNotInService - replacedByApproved + request.count - replaced;
  return {
    passed: afterPurchase <= row.quota,
    unitQuota: row.quota,
    activeCars,
    approvedNotInService,
    replacedByApproved,
    requested: request.count,
    replaced,
    afterPurchase,
  };
}
