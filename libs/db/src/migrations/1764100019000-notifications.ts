import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who hears about which finding, and the record of every message sent.
 *
 * - `notification_outbox`: a row per new finding, written by a trigger in the same transaction as the
 *   finding, whichever code inserts it (the detector, the silence sweep): a crash between raising a finding
 *   and telling someone cannot lose the message. The sender takes rows out as it plans their deliveries.
 *   A session that loads old records (the demo history) sets `oversight.notifications = 'off'` to skip it.
 * - `notifications`: one row per finding, channel and recipient, unique, so a finding queued again (a
 *   redelivery, a restart) never reaches the same person on the same channel twice; with its status,
 *   attempts, next attempt and last error.
 */
export class Notifications1764100019000 implements MigrationInterface {
  name = 'Notifications1764100019000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notification_webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        url text NOT NULL,
        secret text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notification_contacts (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        email text,
        phone text,
        quiet_from text,
        quiet_to text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((quiet_from IS NULL) = (quiet_to IS NULL))
      )`);
    await q.query(`
      CREATE TABLE notification_rules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        finding_rules text[] NOT NULL DEFAULT '{}',
        unit_ids uuid[] NOT NULL DEFAULT '{}',
        min_severity text NOT NULL DEFAULT 'low' CHECK (min_severity IN ('low', 'medium', 'high')),
        recipients jsonb NOT NULL,
        quiet_from text,
        quiet_to text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((quiet_from IS NULL) = (quiet_to IS NULL))
      )`);
    await q.query(`
      CREATE TABLE notification_outbox (
        violation_id uuid PRIMARY KEY REFERENCES violations (id) ON DELETE CASCADE,
        queued_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        violation_id uuid NOT NULL REFERENCES violations (id) ON DELETE CASCADE,
        notification_rule_id uuid REFERENCES notification_rules (id) ON DELETE SET NULL,
        channel text NOT NULL CHECK (channel IN ('dashboard', 'email', 'webhook', 'sms')),
        recipient_key text NOT NULL,
        user_id uuid REFERENCES users (id) ON DELETE SET NULL,
        webhook_id uuid REFERENCES notification_webhooks (id) ON DELETE SET NULL,
        address text,
        severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
        status text NOT NULL
          CHECK (status IN ('pending', 'held', 'retrying', 'sent', 'dead', 'suppressed', 'skipped')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_error text,
        sent_at timestamptz,
        resent_by text,
        resent_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The de-duplication: one message per finding, channel and recipient, whatever queues the finding again.
    await q.query(`CREATE UNIQUE INDEX notifications_once ON notifications (violation_id, channel, recipient_key)`);
    await q.query(`CREATE INDEX notifications_due ON notifications (next_attempt_at)
      WHERE status IN ('pending', 'held', 'retrying')`);
    await q.query(`CREATE INDEX notifications_created ON notifications (created_at DESC)`);
    await q.query(`CREATE INDEX notifications_dead ON notifications (updated_at DESC) WHERE status = 'dead'`);
    await q.query(`
      CREATE FUNCTION queue_finding_notification() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF coalesce(current_setting('oversight.notifications', true), '') <> 'off' THEN
          INSERT INTO notification_outbox (violation_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
          PERFORM pg_notify('notification_outbox', '');
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER violations_notify AFTER INSERT ON violations
      FOR EACH ROW EXECUTE FUNCTION queue_finding_notification()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS violations_notify ON violations`);
    await q.query(`DROP FUNCTION IF EXISTS queue_finding_notification()`);
    for (const table of [
      'notifications',
      'notification_outbox',
      'notification_rules',
      'notification_contacts',
      'notification_webhooks',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
