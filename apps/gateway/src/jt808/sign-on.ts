import type pg from 'pg';
import { hashSecret, newSecret, verifySecret } from '#app/crypto';
import { normalizePlate } from '#app/db';
import { REGISTER_RESULT, type DriverIdentity, type Registration } from '#app/jt808';

export type RegisterOutcome = { result: 0; code: string } | { result: number; why: string };

/**
 * The registry side of a JT/T 808 sign-on (terminal-jt808.md, "Identity and sign-on"): registration hands out
 * an authentication code kept only as a hash; authentication checks it.
 */
export class SignOnStore {
  constructor(private readonly db: pg.Pool) {}

  async register(terminalId: string, registration: Registration): Promise<RegisterOutcome> {
    const { rows } = await this.db.query<{ active: boolean; vehicle_id: string | null; plate: string | null }>(
      `SELECT t.active, b.vehicle_id, v.plate_normalized AS plate
       FROM terminals t
       LEFT JOIN terminal_bindings b ON b.terminal_id = t.terminal_id AND b.valid_to IS NULL
       LEFT JOIN vehicles v ON v.id = b.vehicle_id
       WHERE t.terminal_id = $1`,
      [terminalId],
    );
    const row = rows[0];
    if (!row) return { result: REGISTER_RESULT.NO_SUCH_TERMINAL, why: 'terminal not registered' };
    if (!row.active) return { result: REGISTER_RESULT.NO_SUCH_TERMINAL, why: 'terminal deactivated' };
    if (!row.vehicle_id) return { result: REGISTER_RESULT.NO_SUCH_VEHICLE, why: 'terminal bound to no car' };
    // Plate colour 0 means an unplated car that sends its VIN instead: nothing to compare.
    const plate = registration.plateColour === 0 ? '' : normalizePlate(registration.plate);
    if (plate && plate !== row.plate) {
      return { result: REGISTER_RESULT.NO_SUCH_VEHICLE, why: `plate ${registration.plate} is not the bound car's` };
    }
    const code = newSecret(12);
    await this.db.query(
      `INSERT INTO jt808_auth_codes (terminal_id, code_hash, issued_at) VALUES ($1, $2, now())
       ON CONFLICT (terminal_id) DO UPDATE SET code_hash = EXCLUDED.code_hash, issued_at = EXCLUDED.issued_at`,
      [terminalId, hashSecret(code)],
    );
    return { result: 0, code };
  }

  async authenticate(terminalId: string, code: string): Promise<boolean> {
    const { rows } = await this.db.query<{ code_hash: string }>(
      `SELECT a.code_hash FROM jt808_auth_codes a JOIN terminals t USING (terminal_id)
       WHERE a.terminal_id = $1 AND t.active`,
      [terminalId],
    );
    return rows.length > 0 && verifySecret(code, rows[0].code_hash);
  }

  /**
   * A heartbeat: the terminal is heard from, so its car stays (or comes back) online by the same rule as a
   * message over MQTT. Only a car already in the live state is touched; its first position creates the row.
   */
  async heard(terminalId: string, receivedAt: number): Promise<void> {
    await this.db.query(
      `UPDATE vehicle_live SET heard_at = GREATEST(heard_at, to_timestamp($2 / 1000.0)),
         online_changed_at = CASE WHEN online THEN online_changed_at ELSE to_timestamp($2 / 1000.0) END,
         online = true
       WHERE terminal_id = $1`,
      [terminalId, receivedAt],
    );
  }

  async deregister(terminalId: string): Promise<void> {
    await this.db.query('DELETE FROM jt808_auth_codes WHERE terminal_id = $1', [terminalId]);
  }

  /** A driver-card swipe, stored against the terminal's car; a resent swipe adds nothing. */
  async recordDriverCard(terminalId: string, card: DriverIdentity, receivedAt: number): Promise<void> {
    await this.db.query(
      `INSERT INTO driver_card_events
         (terminal_id, vehicle_id, event, at, received_at, name, certificate_no, issuer, valid_until, id_card_no)
       SELECT $1, (SELECT vehicle_id FROM terminal_bindings WHERE terminal_id = $1 AND valid_to IS NULL),
         $2, $3, $4, $5, $6, $7, $8, $9
       ON CONFLICT (terminal_id, at, event) DO NOTHING`,
      [
        terminalId,
        card.state === 1 ? 'inserted' : 'removed',
        new Date(card.at ?? receivedAt),
        new Date(receivedAt),
        card.name,
        card.certificateNo,
        card.issuer,
        card.validUntil,
        card.idCardNo,
      ],
    );
  }
}
