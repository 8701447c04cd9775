import type { EntityManager } from 'typeorm';
import type { HistoryService } from '#app/history';
import { RULE_TITLES, type RuleName } from '#app/rules';
import { rowsOf } from './detection.store.js';

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
