import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The detector's statement for a finding raised on new positions (the violation, its case opened or joined, and the
 * case's history entry through history_append_case) as a PL/pgSQL function: the function keeps the statement's plan
 * for the session, where the statement sent as text was parsed and planned again for every finding. Same rows,
 * same answer: one row (violation id, case id, whether the case was opened, the entry's hash) when the finding is
 * new, none when it was raised before.
 */
export class FindingWithCaseFunction1764100023000 implements MigrationInterface {
  name = 'FindingWithCaseFunction1764100023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION raise_finding_with_case(
        p_vehicle uuid, p_terminal text, p_rule text, p_kind text, p_start timestamptz, p_end timestamptz,
        p_lat double precision, p_lon double precision, p_place text, p_fence uuid, p_evidence jsonb,
        p_local_day text, p_title text)
      RETURNS TABLE (id uuid, case_id uuid, opened boolean, entry text) LANGUAGE plpgsql VOLATILE AS $$
      #variable_conflict use_column
      BEGIN
        RETURN QUERY
        WITH c AS (
          INSERT INTO cases (vehicle_id, rule, local_day, source, title)
          SELECT p_vehicle, p_rule, p_local_day::date, 'violation', p_title
           WHERE p_local_day IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM violations WHERE vehicle_id = p_vehicle AND rule = p_rule
                                                         AND start_time = p_start)
          ON CONFLICT (vehicle_id, rule, local_day) WHERE status NOT IN ('dismissed', 'closed') AND source = 'violation'
          DO UPDATE SET updated_at = cases.updated_at
          RETURNING cases.id, (xmax = 0) AS opened
        ), v AS (
          INSERT INTO violations (vehicle_id, terminal_id, rule, kind, start_time, end_time, lat, lon, place, fence_id,
                                  evidence, case_id)
          VALUES (p_vehicle, p_terminal, p_rule, p_kind, p_start, p_end, p_lat, p_lon, p_place, p_fence, p_evidence,
                  (SELECT c.id FROM c))
          ON CONFLICT (vehicle_id, rule, start_time) DO NOTHING RETURNING violations.id, violations.case_id
        )
        SELECT v.id, v.case_id, c.opened,
               CASE WHEN v.case_id IS NOT NULL
                    THEN history_append_case(v.case_id, coalesce(c.opened, false), v.id, p_rule, p_local_day) END
          FROM v LEFT JOIN c ON true;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION IF EXISTS raise_finding_with_case(uuid, text, text, text, timestamptz, timestamptz,
         double precision, double precision, text, uuid, jsonb, text, text)`,
    );
  }
}
