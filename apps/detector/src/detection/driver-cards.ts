import type { CardHolder } from '#app/rules';

/** One driver-card swipe of a car (JT/T 808 0x0702), as stored by the gateway. */
export interface CardEvent {
  at: number;
  inserted: boolean;
  name: string | null;
  certificateNo: string | null;
}

const DAY = 86_400_000;

interface CardRow {
  vehicle_id: string;
  at: Date;
  event: string;
  name: string | null;
  certificate_no: string | null;
}

/**
 * The statement for the swipes of these cars from a day before `from` to a day after `to` (a card is rarely left in
 * longer), in time order, with its values, to send with others; cardsByVehicle groups its rows by car.
 */
export function cardEventsQuery(vehicleIds: string[], from: number, to: number): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT vehicle_id, at, event, name, certificate_no FROM driver_card_events
           WHERE vehicle_id = ANY($1::uuid[]) AND at >= $2 AND at <= $3 ORDER BY vehicle_id, at, id`,
    params: [vehicleIds, new Date(from - DAY), new Date(to + DAY)],
  };
}

/** The rows of cardEventsQuery grouped by car. */
export function cardsByVehicle(rows: unknown[]): Map<string, CardEvent[]> {
  const out = new Map<string, CardEvent[]>();
  for (const r of rows as CardRow[]) {
    const list = out.get(r.vehicle_id) ?? [];
    list.push({ at: r.at.getTime(), inserted: r.event === 'inserted', name: r.name, certificateNo: r.certificate_no });
    out.set(r.vehicle_id, list);
  }
  return out;
}

/** Who held the card at `t`: the last swipe at or before `t`, if it put a card in. */
export function holderAt(events: CardEvent[], t: number): CardHolder | null {
  let last: CardEvent | undefined;
  for (const e of events) {
    if (e.at > t) break;
    last = e;
  }
  return last?.inserted ? { name: last.name, certificateNo: last.certificateNo, since: last.at } : null;
}
