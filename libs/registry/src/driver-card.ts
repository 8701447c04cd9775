/**
 * Who held the driver card (JT/T 808 0x0702) of a car: a card inserted makes its holder the car's driver
 * until it is removed or another is inserted.
 */
export interface CardDriver {
  name: string | null;
  certificateNo: string | null;
  issuer: string | null;
  /** When the card was inserted. */
  since: string;
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The car's driver now, or null when no card is in. */
export async function currentDriver(db: Queryable, vehicleId: string): Promise<CardDriver | null> {
  const rows = (await db.query(
    `SELECT event, name, certificate_no, issuer, at FROM driver_card_events
      WHERE vehicle_id = $1 ORDER BY at DESC, id DESC LIMIT 1`,
    [vehicleId],
  )) as { event: string; name: string | null; certificate_no: string | null; issuer: string | null; at: Date }[];
  const last = rows[0];
  if (!last || last.event !== 'inserted') return null;
  return { name: last.name, certificateNo: last.certificate_no, issuer: last.issuer, since: last.at.toISOString() };
}

/**
 * A lateral join giving each trip `t` (vehicle_id, start_time, end_time) its driver: the card in at the start,
 * else the first card inserted during the trip. Columns: driver_name, driver_certificate_no, driver_issuer,
 * driver_since.
 */
export const TRIP_DRIVER_JOIN = `
  LEFT JOIN LATERAL (
    SELECT e.name AS driver_name, e.certificate_no AS driver_certificate_no, e.issuer AS driver_issuer,
           e.at AS driver_since
      FROM driver_card_events e
     WHERE e.vehicle_id = t.vehicle_id AND e.event = 'inserted' AND e.at < t.end_time
       AND NOT EXISTS (SELECT 1 FROM driver_card_events r
                        WHERE r.vehicle_id = e.vehicle_id AND r.at > e.at AND r.at <= t.start_time)
     ORDER BY e.at
     LIMIT 1) d ON true`;

export function tripDriver(row: {
  driver_name?: string | null;
  driver_certificate_no?: string | null;
  driver_issuer?: string | null;
  driver_since?: Date | null;
}): CardDriver | null {
  if (!row.driver_since) return null;
  return {
    name: row.driver_name ?? null,
    certificateNo: row.driver_certificate_no ?? null,
    issuer: row.driver_issuer ?? null,
    since: row.driver_since.toISOString(),
  };
}
