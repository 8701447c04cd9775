import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The tables that tie the detector to the people who act on its findings: trips, violations (and
 * suspicions), the cases that gather them, and the hash-chained history of every change.
 */
export class OversightCore1764100000002 implements MigrationInterface {
  name = 'OversightCore1764100000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        rule text NOT NULL,
        local_day date NOT NULL,
        source text NOT NULL DEFAULT 'violation' CHECK (source IN ('violation', 'audit')),
        status text NOT NULL DEFAULT 'open' CHECK (status IN
          ('open', 'investigating', 'dismissed', 'confirmed', 'outcome_recorded', 'rectified', 'closed')),
        title text NOT NULL,
        assigned_to uuid REFERENCES users (id),
        dismiss_reason text,
        outcome text CHECK (outcome IN ('criticism_education', 'admonishment_talk', 'public_notice', 'disciplinary_sanction')),
        sanction_kind text,
        responsible_person text,
        rectification_note text,
        opened_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A violation joins the car's case for the same rule and day while that case is still being handled.
    await q.query(`
      CREATE UNIQUE INDEX cases_one_active_per_vehicle_rule_day ON cases (vehicle_id, rule, local_day)
      WHERE status NOT IN ('dismissed', 'closed') AND source = 'violation'`);
    await q.query(`CREATE INDEX cases_status ON cases (status, opened_at DESC)`);
    await q.query(`
      CREATE TABLE violations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        terminal_id text,
        rule text NOT NULL,
        kind text NOT NULL DEFAULT 'violation' CHECK (kind IN ('violation', 'suspicion')),
        start_time timestamptz NOT NULL,
        end_time timestamptz,
        lat double precision,
        lon double precision,
        place text,
        fence_id uuid,
        evidence jsonb NOT NULL DEFAULT '{}',
        case_id uuid REFERENCES cases (id),
        detected_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Raised once: the same rule cannot open twice for one car at the same start.
    await q.query(`CREATE UNIQUE INDEX violations_once ON violations (vehicle_id, rule, start_time)`);
    await q.query(`CREATE INDEX violations_time ON violations (start_time DESC)`);
    await q.query(`
      CREATE TABLE trips (
        vehicle_id uuid NOT NULL REFERENCES vehicles (id),
        start_time timestamptz NOT NULL,
        end_time timestamptz NOT NULL,
        start_lat double precision NOT NULL,
        start_lon double precision NOT NULL,
        end_lat double precision NOT NULL,
        end_lon double precision NOT NULL,
        distance_m double precision NOT NULL,
        off_hours_distance_m double precision NOT NULL DEFAULT 0,
        max_speed_kmh real,
        PRIMARY KEY (vehicle_id, start_time)
      )`);
    await q.query(`
      CREATE TABLE history (
        seq bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        data jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      )`);
    await q.query(`CREATE INDEX history_entity ON history (entity_type, entity_id, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['history', 'trips', 'violations', 'cases']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
