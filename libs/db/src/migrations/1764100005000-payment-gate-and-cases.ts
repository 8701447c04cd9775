import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The payment gate's decision log, and what inspectors add to a case: attachment metadata (the files
 * themselves live elsewhere; the sha256 pins which file was meant) and free-text notes.
 */
export class PaymentGateAndCases1764100005000 implements MigrationInterface {
  name = 'PaymentGateAndCases1764100005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payment_checks (
        check_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        plate_number text NOT NULL,
        plate_normalized text NOT NULL,
        vehicle_id uuid REFERENCES vehicles (id),
        unit_name text,
        expense_type text NOT NULL CHECK (expense_type IN
          ('fuel', 'repair', 'maintenance', 'insurance', 'toll', 'parking', 'washing', 'other')),
        amount numeric(12, 2) NOT NULL CHECK (amount > 0),
        invoice_no text NOT NULL,
        expense_date date NOT NULL,
        decision text NOT NULL CHECK (decision IN ('allow', 'deny')),
        reasons jsonb NOT NULL DEFAULT '[]',
        checked_at timestamptz NOT NULL DEFAULT now(),
        checked_by text NOT NULL,
        history_appended boolean NOT NULL DEFAULT false,
        CHECK ((decision = 'allow') = (jsonb_array_length(reasons) = 0))
      )`);
    // One decision per invoice, car, type and amount: a repeated request gets the recorded one back.
    await q.query(`
      CREATE UNIQUE INDEX payment_checks_once
      ON payment_checks (invoice_no, plate_normalized, expense_type, amount)`);
    await q.query(`CREATE INDEX payment_checks_time ON payment_checks (checked_at DESC)`);
    await q.query(`CREATE INDEX payment_checks_plate ON payment_checks (plate_normalized, checked_at DESC)`);
    // Decisions whose history entry is still to be written (see the gate's history appender).
    await q.query(`
      CREATE INDEX payment_checks_history_pending ON payment_checks (checked_at, check_id)
      WHERE NOT history_appended`);
    await q.query(`
      CREATE TABLE case_attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases (id),
        file_name text NOT NULL,
        media_type text NOT NULL,
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        uploaded_by text NOT NULL,
        uploaded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX case_attachments_case ON case_attachments (case_id, uploaded_at)`);
    await q.query(`
      CREATE TABLE case_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases (id),
        body text NOT NULL,
        author text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX case_notes_case ON case_notes (case_id, created_at)`);
    await q.query(`CREATE INDEX cases_assignee ON cases (assigned_to, status) WHERE assigned_to IS NOT NULL`);
    await q.query(`CREATE INDEX violations_case ON violations (case_id) WHERE case_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS violations_case`);
    await q.query(`DROP INDEX IF EXISTS cases_assignee`);
    for (const table of ['case_notes', 'case_attachments', 'payment_checks']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
