import type { EntityManager } from 'typeorm';
import type { HistoryService } from '#app/history';
import { RULE_TITLES, type Finding, type RuleName } from '#app/rules';
import { rowsOf, violationValues } from './detection.store.js';

/**
 * A violation opens a case, or joins the car's case for the same rule and local day while that case is still
 * being handled (the partial unique index on cases decides which one that is).
 */
export async function joinCase(
  m: EntityManager,
  history: HistoryService,
  v: { violationId: string; vehicleId: string; rule: RuleName; localDay: string; plate: string },
): Promise<{ caseId: string; opened: boolean }> {
  const title = `${RULE_TITLES[v.rule]} — ${v.plate} — ${v.localDay}`;
  const [row] = rowsOf<{ id: string; opened: boolean }>(
    await m.query(
      `INSERT INTO cases (vehicle_id, rule, local_day, source, title) VALUES ($1, $2, $3, 'violation', $4)
       ON CONFLICT (vehicle_id, rule, local_day) WHERE status NOT IN ('dismissed', 'closed') AND source = 'violation'
       DO UPDATE SET updated_at = cases.updated_at
       RETURNING id, (xmax = 0) AS opened`,
      [v.vehicleId, v.rule, v.localDay, title],
    ),
  );
  await m.query('UPDATE violations SET case_id = $1 WHERE id = $2', [row.id, v.violationId]);
  await history.append(m, {
    entityType: 'case',
    entityId: row.id,
    action: row.opened ? 'opened' : 'violation_added',
    actor: 'system:detector',
    data: { violationId: v.violationId, rule: v.rule, localDay: v.localDay },
  });
  return { caseId: row.id, opened: row.opened };
}

/** Inserts the finding and (for a violation) opens or joins its case, when the finding is new. */
const FINDING_AND_CASE = `WITH c AS (
         INSERT INTO cases (vehicle_id, rule, local_day, source, title)
         SELECT $1::uuid, $3::text, $12::date, 'violation', $13::text
          WHERE $12::date IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM violations WHERE vehicle_id = $1::uuid AND rule = $3::text
                                                        AND start_time = $5::timestamptz)
         ON CONFLICT (vehicle_id, rule, local_day) WHERE status NOT IN ('dismissed', 'closed') AND source = 'violation'
         DO UPDATE SET updated_at = cases.updated_at
         RETURNING id, (xmax = 0) AS opened
       ), v AS (
         INSERT INTO violations (vehicle_id, terminal_id, rule, kind, start_time, end_time, lat, lon, place, fence_id,
                                 evidence, case_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, (SELECT id FROM c))
         ON CONFLICT (vehicle_id, rule, start_time) DO NOTHING RETURNING id, case_id
       )`;

/** The statement of insertFindingWithCase; its answer is one row when the finding is new, none otherwise. */
const FINDING_WITH_CASE_SQL = `${FINDING_AND_CASE} SELECT v.id, v.case_id, c.opened FROM v LEFT JOIN c ON true`;

/**
 * The same, and the case's history entry appended with it (history_append_case, migration
 * CaseHistoryInSql1764100022000): a finding raised in one statement, with no answer needed before the next. The
 * statement lives in the database as raise_finding_with_case (migration FindingWithCaseFunction1764100023000), which
 * keeps its plan; it answers the columns id, case_id, opened and entry.
 */
export const FINDING_WITH_CASE_AND_ENTRY_SQL =
  'SELECT * FROM raise_finding_with_case($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)';

export type FindingCase = { localDay: string; plate: string } | null;

/** The values of FINDING_WITH_CASE_SQL. */
export function findingWithCaseValues(f: Finding, kase: FindingCase): unknown[] {
  return [
    ...violationValues(f),
    kase?.localDay ?? null,
    kase ? `${RULE_TITLES[f.rule]} — ${kase.plate} — ${kase.localDay}` : null,
  ];
}

/** The row FINDING_WITH_CASE_SQL answers, as insertFindingWithCase returns it. */
function savedFinding(
  row: { id: string; case_id: string | null; opened: boolean | null } | undefined,
): { id: string; caseId: string | null; opened: boolean } | null {
  return row ? { id: row.id, caseId: row.case_id, opened: row.opened === true } : null;
}

/**
 * Raises a finding seen for the first time and, for a violation, opens or joins its case, in one statement: the
 * case is written only when the finding is new, and the violation is stored with its case. (The caller's lease
 * fence makes this detector the car's only writer, so the check for an existing finding cannot race.) Returns
 * null when the finding had been raised before; the case's history entry is the caller's to append.
 */
export async function insertFindingWithCase(
  m: EntityManager,
  f: Finding,
  kase: FindingCase,
): Promise<{ id: string; caseId: string | null; opened: boolean } | null> {
  const [row] = rowsOf<{ id: string; case_id: string | null; opened: boolean | null }>(
    await m.query(FINDING_WITH_CASE_SQL, findingWithCaseValues(f, kase)),
  );
  return savedFinding(row);
}
