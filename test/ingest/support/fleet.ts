import type pg from 'pg';
import { hashSecret } from '#app/crypto';

export interface FleetTerminal {
  terminalId: string;
  secret: string;
  vehicleId: string | null;
}

/** Registers terminals (and, unless `unbound`, one car bound to each) straight into the database. */
export async function registerFleet(
  db: pg.Pool,
  terminalIds: string[],
  options: { unbound?: boolean; inactive?: boolean } = {},
): Promise<FleetTerminal[]> {
  const { rows: units } = await db.query<{ id: string }>(
    `INSERT INTO units (name, vehicle_quota) VALUES ('unit-' || gen_random_uuid(), 100000) RETURNING id`,
  );
  const fleet: FleetTerminal[] = [];
  for (const terminalId of terminalIds) {
    const secret = `secret-${terminalId}`;
    await db.query('INSERT INTO terminals (terminal_id, secret_hash, active) VALUES ($1, $2, $3)', [
      terminalId,
      hashSecret(secret),
      !options.inactive,
    ]);
    let vehicleId: string | null = null;
    if (!options.unbound) {
      const plate = `T${terminalId}`.slice(0, 30);
      const { rows } = await db.query<{ id: string }>(
        `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id) VALUES ($1, $1, 'general', $2) RETURNING id`,
        [plate, units[0].id],
      );
      vehicleId = rows[0].id;
      await db.query(
        `INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from) VALUES ($1, $2, CURRENT_DATE - 1)`,
        [vehicleId, terminalId],
      );
    }
    fleet.push({ terminalId, secret, vehicleId });
  }
  return fleet;
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function count(db: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, params);
  return Number(rows[0].n);
}

/**
 * Waits until the gateway's subscription is in place, by publishing probe positions of a terminal of the
 * test's own until one is stored (a message published before the subscription exists goes nowhere).
 */
export async function waitForGateway(
  db: pg.Pool,
  publish: (topic: string, payload: string) => Promise<unknown>,
  probeTerminal: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let i = 0;
  while (Date.now() < deadline) {
    await publish(
      `telematics/v1/${probeTerminal}/position`,
      JSON.stringify({ fixTime: Date.now() - 1000 + i++, lat: 1, lon: 1 }),
    );
    await new Promise((r) => setTimeout(r, 200));
    if ((await count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1', [probeTerminal])) > 0) return;
  }
  throw new Error('the gateway did not start consuming');
}
