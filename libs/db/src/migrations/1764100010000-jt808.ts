import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * JT/T 808 terminals: the authentication code a registration hands out (kept only as a hash), driver-card
 * swipes per car, and commands sent to terminals with the terminal's reply.
 */
export class Jt8081764100010000 implements MigrationInterface {
  name = 'Jt8081764100010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jt808_auth_codes (
        terminal_id text PRIMARY KEY REFERENCES terminals (terminal_id),
        code_hash text NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One row per swipe; a card inserted makes its holder the car's driver until it is removed or another is
    // inserted. A terminal that resends the same swipe adds no row.
    await q.query(`
      CREATE TABLE driver_card_events (
        id bigserial PRIMARY KEY,
        terminal_id text NOT NULL,
        vehicle_id uuid REFERENCES vehicles (id),
        event text NOT NULL CHECK (event IN ('inserted', 'removed')),
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        name text,
        certificate_no text,
        issuer text,
        valid_until text,
        id_card_no text,
        UNIQUE (terminal_id, at, event)
      )`);
    await q.query(`CREATE INDEX driver_card_events_vehicle ON driver_card_events (vehicle_id, at DESC)`);
    await q.query(`
      CREATE TABLE terminal_commands (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        terminal_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('text', 'position_query', 'vehicle_control')),
        params jsonb NOT NULL,
        reason text,
        requested_by text NOT NULL,
        confirmed_by text,
        status text NOT NULL CHECK (status IN ('awaiting_confirmation', 'queued', 'sent', 'answered', 'expired')),
        msg_id integer,
        serial integer,
        result integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        sent_at timestamptz,
        answered_at timestamptz
      )`);
    await q.query(`CREATE INDEX terminal_commands_pending ON terminal_commands (terminal_id, created_at)
      WHERE status IN ('queued', 'sent')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS terminal_commands');
    await q.query('DROP TABLE IF EXISTS driver_card_events');
    await q.query('DROP TABLE IF EXISTS jt808_auth_codes');
  }
}
