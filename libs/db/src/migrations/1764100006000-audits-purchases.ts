import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The weekly audit (one draw per ISO week, guaranteed by a unique key, with the seed and roster that let
 * anyone repeat it) and the purchase approval by the joint meeting (requests, pre-review, meetings,
 * members, agenda, attendance, one vote per member and item, decisions and minutes).
 */
export class AuditsPurchases1764100006000 implements MigrationInterface {
  name = 'AuditsPurchases1764100006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_weeks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        iso_week text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
        first_day date NOT NULL,
        last_day date NOT NULL,
        week_start timestamptz NOT NULL,
        week_end timestamptz NOT NULL,
        algorithm text NOT NULL,
        seed text NOT NULL,
        roster jsonb NOT NULL,
        roster_hash text NOT NULL,
        active_count integer NOT NULL,
        sample_rate double precision NOT NULL,
        sample_size integer NOT NULL,
        sample jsonb NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'catch_up', 'manual')),
        drawn_by text NOT NULL,
        drawn_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The database-level guarantee that a week is drawn once, however many schedulers race for it.
    await q.query(`CREATE UNIQUE INDEX audit_weeks_once ON audit_weeks (iso_week)`);
    await q.query(`CREATE INDEX audit_weeks_start ON audit_weeks (week_start DESC)`);
    await q.query(`
      CREATE TABLE audit_items (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        audit_week_id uuid NOT NULL REFERENCES audit_weeks (id) ON DELETE CASCADE,
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        position integer NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'compliant', 'issue_found')),
        trips integer NOT NULL,
        distance_m double precision NOT NULL,
        off_hours_distance_m double precision NOT NULL,
        findings jsonb NOT NULL,
        note text,
        case_id uuid REFERENCES cases (id),
        reviewed_by text,
        reviewed_at timestamptz,
        UNIQUE (audit_week_id, vehicle_id)
      )`);
    await q.query(`CREATE INDEX audit_items_vehicle ON audit_items (vehicle_id)`);
    await q.query(`
      CREATE TABLE purchase_requests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL REFERENCES units (id),
        category text NOT NULL CHECK (category IN
          ('confidential_comms', 'emergency', 'law_enforcement', 'special_technical', 'general')),
        count integer NOT NULL CHECK (count > 0),
        budget_cny numeric(14, 2) NOT NULL CHECK (budget_cny > 0),
        engine_l numeric(4, 2) NOT NULL CHECK (engine_l >= 0),
        justification text NOT NULL,
        replaces_vehicle_id uuid REFERENCES vehicles (id),
        status text NOT NULL DEFAULT 'submitted' CHECK (status IN
          ('submitted', 'pre_review_passed', 'pre_review_failed', 'on_agenda', 'approved', 'rejected')),
        pre_review jsonb,
        pre_reviewed_by text,
        pre_reviewed_at timestamptz,
        requested_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz
      )`);
    await q.query(`CREATE INDEX purchase_requests_unit ON purchase_requests (unit_id, created_at DESC)`);
    await q.query(`CREATE INDEX purchase_requests_decided ON purchase_requests (decided_at)`);
    await q.query(`
      CREATE TABLE meetings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        scheduled_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        minutes text,
        minutes_recorded_at timestamptz,
        closed_at timestamptz,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE meeting_members (
        meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id),
        PRIMARY KEY (meeting_id, user_id)
      )`);
    await q.query(`
      CREATE TABLE meeting_agenda (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
        request_id uuid NOT NULL REFERENCES purchase_requests (id),
        position integer NOT NULL,
        decision text CHECK (decision IN ('approved', 'rejected')),
        tally jsonb,
        decided_by text,
        decided_at timestamptz,
        UNIQUE (meeting_id, request_id)
      )`);
    // A request sits on one agenda at a time; only a decided item frees it (never, in practice).
    await q.query(`CREATE UNIQUE INDEX meeting_agenda_request_once ON meeting_agenda (request_id)`);
    await q.query(`
      CREATE TABLE meeting_attendance (
        meeting_id uuid NOT NULL,
        user_id uuid NOT NULL,
        present boolean NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (meeting_id, user_id),
        FOREIGN KEY (meeting_id, user_id) REFERENCES meeting_members (meeting_id, user_id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE meeting_votes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        meeting_id uuid NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
        agenda_item_id uuid NOT NULL REFERENCES meeting_agenda (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id),
        vote text NOT NULL CHECK (vote IN ('approve', 'reject', 'abstain')),
        cast_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (meeting_id, agenda_item_id, user_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'meeting_votes',
      'meeting_attendance',
      'meeting_agenda',
      'meeting_members',
      'meetings',
      'purchase_requests',
      'audit_items',
      'audit_weeks',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
