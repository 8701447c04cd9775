import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { civilDate, zonedTime } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';

/** People-facing outcomes of a case, as recorded by the inspectors. */
export const OUTCOMES = ['criticism_education', 'admonishment_talk', 'public_notice', 'disciplinary_sanction'] as const;

/** What runs the queries: the data source, or a transaction's manager when figures must share one snapshot. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rows typed at each call
}

/** The figures of one period (`GET /api/v1/stats` totals and each month). */
export type OversightFigures = Awaited<ReturnType<OversightStats['figures']>>;
/** The answer of `GET /api/v1/stats`. */
export type OversightStatsReport = Awaited<ReturnType<OversightStats['report']>>;

/**
 * The figures the centre and the district leaders report, for one period in the policy zone. A meeting
 * counts in the period it was held (closed or adjourned, not cancelled); a request when it was decided
 * (withdrawn ones when withdrawn); findings when
 * they happened; cases, outcomes and rectifications in the period the case was opened; payment denials
 * when the gate answered; audit coverage by the weeks that started in the period.
 */
@Injectable()
export class OversightStats {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The period's totals and its months; `db` is a transaction's manager when the caller needs one snapshot. */
  async report(year: number, month?: number, db: Queryable = this.db) {
    const tz = this.config.tzPolicy;
    const monthStart = (m: number) =>
      zonedTime(m > 12 ? civilDate(year + 1, 1, 1) : civilDate(year, m, 1), '00:00', tz);
    const months = month ? [month] : Array.from({ length: 12 }, (_, i) => i + 1);
    const hasPaymentChecks = await this.tableExists(db, 'payment_checks');
    const from = month ? monthStart(month) : monthStart(1);
    const to = month ? monthStart(month + 1) : monthStart(13);
    return {
      year,
      month: month ?? null,
      timeZone: tz,
      from,
      to,
      totals: await this.figures(from, to, hasPaymentChecks, db),
      months: await inTurn(db === this.db, months, async (m) => ({
        month: m,
        ...(await this.figures(monthStart(m), monthStart(m + 1), hasPaymentChecks, db)),
      })),
    };
  }

  private async tableExists(db: Queryable, name: string): Promise<boolean> {
    const rows: { present: boolean }[] = await db.query('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
    return rows[0].present;
  }

  /** One period's figures, [from, to). */
  async figures(from: Date, to: Date, hasPaymentChecks: boolean, db: Queryable = this.db) {
    const range = [from, to];
    const [meetings]: { held: string }[] = await db.query(
      `SELECT count(*) AS held FROM meetings
        WHERE status IN ('closed', 'adjourned') AND scheduled_at >= $1 AND scheduled_at < $2`,
      range,
    );
    // A request rejected at a meeting counts, and its budget is saved, whether the members voted it down or
    // it broke a standard (price, engine, quota); a request its unit withdrew is counted apart, never as saved.
    const [withdrawn]: { n: string }[] = await db.query(
      `SELECT count(*) AS n FROM purchase_requests
        WHERE status = 'withdrawn' AND withdrawn_at >= $1 AND withdrawn_at < $2`,
      range,
    );
    const [requests]: { approved: string; rejected: string; saved: string }[] = await db.query(
      `SELECT count(*) FILTER (WHERE status = 'approved') AS approved,
              count(*) FILTER (WHERE status = 'rejected') AS rejected,
              coalesce(sum(budget_cny) FILTER (WHERE status = 'rejected'), 0)::numeric(14, 2)::text AS saved
         FROM purchase_requests WHERE decided_at >= $1 AND decided_at < $2`,
      range,
    );
    const findings: { rule: string; violations: string; suspicions: string }[] = await db.query(
      `SELECT rule, count(*) FILTER (WHERE kind = 'violation') AS violations,
              count(*) FILTER (WHERE kind = 'suspicion') AS suspicions
         FROM violations WHERE start_time >= $1 AND start_time < $2
        GROUP BY rule
        UNION ALL
       SELECT 'audit_finding', count(*), 0 FROM audit_items
        WHERE status = 'issue_found' AND reviewed_at >= $1 AND reviewed_at < $2
       HAVING count(*) > 0
        ORDER BY 1`,
      range,
    );
    // A dismissed case is never confirmed; a closed one without a dismissal went through confirmation.
    const [cases]: { opened: string; confirmed: string; rectified: string; dismissed: string }[] = await db.query(
      `SELECT count(*) AS opened,
              count(*) FILTER (WHERE status IN ('confirmed', 'outcome_recorded', 'rectified', 'closed')
                                 AND dismiss_reason IS NULL) AS confirmed,
              count(*) FILTER (WHERE status IN ('rectified', 'closed') AND dismiss_reason IS NULL) AS rectified,
              count(*) FILTER (WHERE status = 'dismissed' OR dismiss_reason IS NOT NULL) AS dismissed
         FROM cases WHERE opened_at >= $1 AND opened_at < $2`,
      range,
    );
    // People, not cases: one person with two cases of the same outcome counts once.
    const people: { outcome: string; people: string }[] = await db.query(
      `SELECT outcome, count(DISTINCT coalesce(responsible_person, id::text)) AS people
         FROM cases WHERE outcome IS NOT NULL AND opened_at >= $1 AND opened_at < $2
        GROUP BY outcome`,
      range,
    );
    const [serious]: { people: string }[] = await db.query(
      `SELECT count(DISTINCT coalesce(responsible_person, id::text)) AS people
         FROM cases WHERE outcome IN ('admonishment_talk', 'disciplinary_sanction')
          AND opened_at >= $1 AND opened_at < $2`,
      range,
    );
    let payment: { checks: number; denials: number; blockedCny: string } | null = null;
    if (hasPaymentChecks) {
      const [row]: { checks: string; denials: string; blocked: string }[] = await db.query(
        `SELECT count(*) AS checks, count(*) FILTER (WHERE decision = 'deny') AS denials,
                coalesce(sum(amount) FILTER (WHERE decision = 'deny'), 0)::numeric(14, 2)::text AS blocked
           FROM payment_checks WHERE checked_at >= $1 AND checked_at < $2`,
        range,
      );
      payment = { checks: Number(row.checks), denials: Number(row.denials), blockedCny: row.blocked };
    }
    const [audit]: {
      weeks: string;
      items: string;
      vehicles: string;
      reviewed: string;
      issues: string;
      fleet: string;
    }[] = await db.query(
      `SELECT count(DISTINCT w.id) AS weeks, count(i.id) AS items, count(DISTINCT i.vehicle_id) AS vehicles,
                count(i.id) FILTER (WHERE i.status <> 'pending') AS reviewed,
                count(i.id) FILTER (WHERE i.status = 'issue_found') AS issues,
                (SELECT count(*) FROM vehicles WHERE status = 'active') AS fleet
           FROM audit_weeks w LEFT JOIN audit_items i ON i.audit_week_id = w.id
          WHERE w.week_start >= $1 AND w.week_start < $2`,
      range,
    );
    const fleet = Number(audit.fleet);
    const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<(typeof OUTCOMES)[number], number>;
    for (const row of people) outcomes[row.outcome as (typeof OUTCOMES)[number]] = Number(row.people);
    return {
      meetingsHeld: Number(meetings.held),
      requestsApproved: Number(requests.approved),
      requestsRejected: Number(requests.rejected),
      requestsWithdrawn: Number(withdrawn.n),
      fundsSavedCny: requests.saved,
      findingsByRule: findings.map((f) => ({
        rule: f.rule,
        violations: Number(f.violations),
        suspicions: Number(f.suspicions),
      })),
      cases: {
        opened: Number(cases.opened),
        confirmed: Number(cases.confirmed),
        rectified: Number(cases.rectified),
        dismissed: Number(cases.dismissed),
      },
      peopleByOutcome: outcomes,
      peopleAdmonishedOrSanctioned: Number(serious.people),
      paymentGate: payment,
      audit: {
        weeksDrawn: Number(audit.weeks),
        carsDrawn: Number(audit.items),
        distinctCars: Number(audit.vehicles),
        itemsReviewed: Number(audit.reviewed),
        issuesFound: Number(audit.issues),
        fleet,
        coverage: fleet === 0 ? 0 : Math.round((Number(audit.vehicles) / fleet) * 10_000) / 10_000,
      },
    };
  }
}

/**
 * Maps the items at once on the pool; one after another on a transaction's single connection, which runs
 * one query at a time anyway (and pg no longer accepts a second query while one is running).
 */
async function inTurn<T, R>(parallel: boolean, items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  if (parallel) return Promise.all(items.map(work));
  const results: R[] = [];
  for (const item of items) results.push(await work(item));
  return results;
}
