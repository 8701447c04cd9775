import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The joint meeting as the district works it, the quota counting approved purchases, and late audit draws:
 * - a car registered from an approved purchase names it, so an approval counts against the quota until
 *   its cars are in service;
 * - a request can be withdrawn by its unit; an agenda item can be withdrawn from a meeting (the request
 *   then goes on another), carries the standards it breaks, and the reason a vote was closed early;
 * - a meeting can be adjourned or cancelled with a reason; attendance is a timed record of arrivals and
 *   departures;
 * - a week drawn after its time says so and why.
 */
export class MeetingRulesQuotaCatchUp1764100009000 implements MigrationInterface {
  name = 'MeetingRulesQuotaCatchUp1764100009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE vehicles ADD COLUMN purchase_request_id uuid REFERENCES purchase_requests (id)`);
    await q.query(`CREATE INDEX vehicles_purchase_request ON vehicles (purchase_request_id)
                   WHERE purchase_request_id IS NOT NULL`);

    await q.query(`ALTER TABLE purchase_requests DROP CONSTRAINT purchase_requests_status_check`);
    await q.query(`ALTER TABLE purchase_requests ADD CONSTRAINT purchase_requests_status_check CHECK (status IN
      ('submitted', 'pre_review_passed', 'pre_review_failed', 'on_agenda', 'approved', 'rejected', 'withdrawn'))`);
    await q.query(`ALTER TABLE purchase_requests
      ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawn_by text, ADD COLUMN withdrawn_reason text`);

    await q.query(`ALTER TABLE meeting_agenda
      ADD COLUMN flags jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN vote_closed_reason text,
      ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawn_by text, ADD COLUMN withdrawn_reason text`);
    await q.query(`ALTER TABLE meeting_agenda DROP CONSTRAINT meeting_agenda_meeting_id_request_id_key`);
    await q.query(`DROP INDEX meeting_agenda_request_once`);
    // A request sits on one agenda at a time; an item withdrawn from a meeting frees it for another.
    await q.query(`CREATE UNIQUE INDEX meeting_agenda_request_once ON meeting_agenda (request_id)
                   WHERE withdrawn_at IS NULL`);

    await q.query(`ALTER TABLE meetings DROP CONSTRAINT meetings_status_check`);
    await q.query(`ALTER TABLE meetings ADD CONSTRAINT meetings_status_check
      CHECK (status IN ('open', 'closed', 'adjourned', 'cancelled'))`);
    await q.query(`ALTER TABLE meetings ADD COLUMN ended_reason text, ADD COLUMN ended_at timestamptz`);
    await q.query(`
      CREATE TABLE meeting_attendance_events (
        id bigserial PRIMARY KEY,
        meeting_id uuid NOT NULL,
        user_id uuid NOT NULL,
        present boolean NOT NULL,
        at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (meeting_id, user_id) REFERENCES meeting_members (meeting_id, user_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX meeting_attendance_events_meeting ON meeting_attendance_events (meeting_id, id)`);

    await q.query(`ALTER TABLE audit_weeks ADD COLUMN drawn_late boolean NOT NULL DEFAULT false,
                   ADD COLUMN late_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_weeks DROP COLUMN late_reason, DROP COLUMN drawn_late`);
    await q.query(`DROP TABLE meeting_attendance_events`);
    await q.query(`ALTER TABLE meetings DROP COLUMN ended_at, DROP COLUMN ended_reason`);
    await q.query(`ALTER TABLE meetings DROP CONSTRAINT meetings_status_check`);
    // Adjourned and cancelled meetings count as closed for the older schema.
    await q.query(`UPDATE meetings SET status = 'closed' WHERE status IN ('adjourned', 'cancelled')`);
    await q.query(`ALTER TABLE meetings ADD CONSTRAINT meetings_status_check CHECK (status IN ('open', 'closed'))`);
    // Withdrawn agenda items did not exist before; their votes go with them.
    await q.query(`DELETE FROM meeting_agenda WHERE withdrawn_at IS NOT NULL`);
    await q.query(`DROP INDEX meeting_agenda_request_once`);
    await q.query(`CREATE UNIQUE INDEX meeting_agenda_request_once ON meeting_agenda (request_id)`);
    await q.query(`ALTER TABLE meeting_agenda DROP COLUMN withdrawn_reason, DROP COLUMN withdrawn_by,
                   DROP COLUMN withdrawn_at, DROP COLUMN vote_closed_reason, DROP COLUMN flags`);
    await q.query(`ALTER TABLE meeting_agenda ADD CONSTRAINT meeting_agenda_meeting_id_request_id_key
                   UNIQUE (meeting_id, request_id)`);
    await q.query(`ALTER TABLE purchase_requests DROP COLUMN withdrawn_reason, DROP COLUMN withdrawn_by,
                   DROP COLUMN withdrawn_at`);
    await q.query(`ALTER TABLE purchase_requests DROP CONSTRAINT purchase_requests_status_check`);
    // A withdrawn request reads as one that never passed its pre-review.
    await q.query(`UPDATE purchase_requests SET status = 'pre_review_failed' WHERE status = 'withdrawn'`);
    await q.query(`ALTER TABLE purchase_requests ADD CONSTRAINT purchase_requests_status_check CHECK (status IN
      ('submitted', 'pre_review_passed', 'pre_review_failed', 'on_agenda', 'approved', 'rejected'))`);
    await q.query(`DROP INDEX vehicles_purchase_request`);
    await q.query(`ALTER TABLE vehicles DROP COLUMN purchase_request_id`);
  }
}
