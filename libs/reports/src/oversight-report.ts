import { GATE_REASON_NAMES, OUTCOME_NAMES, RULE_NAMES, nameOf } from './labels.js';
import { OUTCOMES, type OversightStats, type OversightFigures, type Queryable } from './oversight-stats.js';
import type { FiguresSection, Progress, ReportDocument } from './report-model.js';
import { KIND_TITLES, monthDays } from './report-request.js';

/** Units in the findings chart; the table beneath lists every unit. */
const CHART_UNITS = 15;

/**
 * The monthly report for the district leaders: the figures of `GET /api/v1/stats?year&month` (computed by the
 * same code, from one snapshot of the database), with charts of the findings by rule and by unit, the weekly
 * audits of the month, the payment gate's denials by reason and the money saved month by month this year.
 */
export async function buildOversightReport(
  db: Queryable,
  stats: OversightStats,
  year: number,
  month: number,
  context: { timeZone: string; generatedAt: Date; progress: Progress },
): Promise<ReportDocument> {
  const { first, last } = monthDays(year, month);
  const period = await stats.report(year, month, db);
  const figures = period.totals;
  await context.progress(0.3);
  const yearToDate = (await stats.report(year, undefined, db)).months.filter((m) => m.month <= month);
  await context.progress(0.6);
  const range = [period.from, period.to];

  const byUnit: { unit: string; cars: string; violations: string; suspicions: string }[] = await db.query(
    `SELECT u.name AS unit, count(DISTINCT f.vehicle_id) AS cars,
            count(*) FILTER (WHERE f.kind = 'violation') AS violations,
            count(*) FILTER (WHERE f.kind = 'suspicion') AS suspicions
       FROM (SELECT vehicle_id, kind FROM violations WHERE start_time >= $1 AND start_time < $2
             UNION ALL
             SELECT vehicle_id, 'violation' FROM audit_items
              WHERE status = 'issue_found' AND reviewed_at >= $1 AND reviewed_at < $2) f
       JOIN vehicles v ON v.id = f.vehicle_id JOIN units u ON u.id = v.unit_id
      GROUP BY u.name ORDER BY count(*) DESC, u.name`,
    range,
  );
  const weeks: { iso_week: string; active_count: number; sample_size: number; reviewed: string; issues: string }[] =
    await db.query(
      `SELECT w.iso_week, w.active_count, w.sample_size,
              count(i.id) FILTER (WHERE i.status <> 'pending') AS reviewed,
              count(i.id) FILTER (WHERE i.status = 'issue_found') AS issues
         FROM audit_weeks w LEFT JOIN audit_items i ON i.audit_week_id = w.id
        WHERE w.week_start >= $1 AND w.week_start < $2
        GROUP BY w.id ORDER BY w.week_start`,
      range,
    );
  // A denial can carry several reasons: each reason counts the denials that gave it.
  const reasons: { code: string; denials: string; blocked: string }[] = await db.query(
    `SELECT r->>'code' AS code, count(*) AS denials, sum(c.amount)::numeric(14, 2)::text AS blocked
       FROM payment_checks c CROSS JOIN jsonb_array_elements(c.reasons) r
      WHERE c.decision = 'deny' AND c.checked_at >= $1 AND c.checked_at < $2
      GROUP BY 1 ORDER BY 2 DESC, 1`,
    range,
  );
  await context.progress(0.9);

  const findingsTotal = figures.findingsByRule.reduce((n, f) => n + f.violations + f.suspicions, 0);
  const gate = figures.paymentGate ?? { checks: 0, denials: 0, blockedCny: '0.00' };
  const monthLabel = `${year} 年 ${month} 月`;

  return {
    kind: 'monthly_oversight',
    title: KIND_TITLES.monthly_oversight,
    subtitle: `${monthLabel} · ${year}-${String(month).padStart(2, '0')}`,
    fileStem: `oversight-${year}-${String(month).padStart(2, '0')}`,
    meta: [
      { label: '期间 Period', value: `${first} 00:00 – ${last} 24:00 (${context.timeZone})` },
      {
        label: '口径 Counting',
        value:
          '与 GET /api/v1/stats 相同 As GET /api/v1/stats: findings by when they began, cases by when opened, gate checks by when answered, requests by when decided, audits by the weeks that began in the month',
      },
    ],
    sections: [
      figuresOf('监管概况 Oversight', figures, findingsTotal),
      {
        kind: 'figures',
        title: '每周抽查 Weekly audit',
        items: [
          { key: 'audit.weeksDrawn', label: '抽查周数 Weeks drawn', value: figures.audit.weeksDrawn, valueKind: 'int' },
          { key: 'audit.carsDrawn', label: '抽取车次 Cars drawn', value: figures.audit.carsDrawn, valueKind: 'int' },
          {
            key: 'audit.distinctCars',
            label: '抽到的车辆 Distinct cars drawn',
            value: figures.audit.distinctCars,
            valueKind: 'int',
          },
          {
            key: 'audit.itemsReviewed',
            label: '已核查 Items reviewed',
            value: figures.audit.itemsReviewed,
            valueKind: 'int',
          },
          {
            key: 'audit.issuesFound',
            label: '发现问题 Issues found',
            value: figures.audit.issuesFound,
            valueKind: 'int',
          },
          { key: 'audit.fleet', label: '在用车辆 Active fleet', value: figures.audit.fleet, valueKind: 'int' },
          { key: 'audit.coverage', label: '覆盖率 Coverage', value: figures.audit.coverage, valueKind: 'percent' },
        ],
      },
      {
        kind: 'figures',
        title: '付款核查 Payment gate',
        items: [
          { key: 'paymentGate.checks', label: '核查次数 Checks', value: gate.checks, valueKind: 'int' },
          { key: 'paymentGate.denials', label: '拒付 Denials', value: gate.denials, valueKind: 'int' },
          {
            key: 'paymentGate.blockedCny',
            label: '拒付金额 元 Blocked CNY',
            value: Number(gate.blockedCny),
            valueKind: 'money',
          },
        ],
      },
      {
        kind: 'figures',
        title: '购车审批 Purchase approval',
        items: [
          { key: 'meetingsHeld', label: '联席会议 Meetings held', value: figures.meetingsHeld, valueKind: 'int' },
          { key: 'requestsApproved', label: '批准 Approved', value: figures.requestsApproved, valueKind: 'int' },
          { key: 'requestsRejected', label: '否决 Rejected', value: figures.requestsRejected, valueKind: 'int' },
          { key: 'requestsWithdrawn', label: '撤回 Withdrawn', value: figures.requestsWithdrawn, valueKind: 'int' },
          {
            key: 'fundsSavedCny',
            label: '节约资金 元 Funds saved CNY',
            value: Number(figures.fundsSavedCny),
            valueKind: 'money',
          },
        ],
      },
      {
        kind: 'bars',
        sheet: '按规则 By rule',
        title: '违规按规则 Findings by rule',
        series: [
          { key: 'violations', label: '违规 Violations', valueKind: 'int' },
          { key: 'suspicions', label: '疑似 Suspicions', valueKind: 'int' },
        ],
        bars: figures.findingsByRule.map((f) => ({
          label: nameOf(RULE_NAMES, f.rule),
          values: [f.violations, f.suspicions],
        })),
        empty: '本月无违规 No findings this month',
      },
      {
        kind: 'bars',
        sheet: '按单位图 By unit chart',
        title: `违规按单位（前 ${CHART_UNITS} 个） Findings by unit (top ${CHART_UNITS})`,
        series: [
          { key: 'violations', label: '违规 Violations', valueKind: 'int' },
          { key: 'suspicions', label: '疑似 Suspicions', valueKind: 'int' },
        ],
        bars: byUnit.slice(0, CHART_UNITS).map((u) => ({
          label: u.unit,
          values: [Number(u.violations), Number(u.suspicions)],
        })),
        empty: '本月无违规 No findings this month',
      },
      {
        kind: 'table',
        sheet: '按单位 By unit',
        title: '违规按单位 Findings by unit',
        columns: [
          { key: 'unit', header: '单位 Unit', width: 2 },
          { key: 'cars', header: '涉及车辆 Cars', kind: 'int' },
          { key: 'violations', header: '违规 Violations', kind: 'int' },
          { key: 'suspicions', header: '疑似 Suspicions', kind: 'int' },
        ],
        rows: byUnit.map((u) => ({
          unit: u.unit,
          cars: Number(u.cars),
          violations: Number(u.violations),
          suspicions: Number(u.suspicions),
        })),
        empty: '本月无违规 No findings this month',
      },
      {
        kind: 'bars',
        sheet: '抽查 Audit weeks',
        title: '每周抽查覆盖 Audit coverage by week',
        series: [
          { key: 'drawn', label: '抽取 Drawn', valueKind: 'int' },
          { key: 'reviewed', label: '已核查 Reviewed', valueKind: 'int' },
        ],
        bars: weeks.map((w) => ({
          label: `${w.iso_week}（在用 ${w.active_count} active）`,
          values: [w.sample_size, Number(w.reviewed)],
        })),
        empty: '本月没有开始的抽查周 No audit week began this month',
      },
      {
        kind: 'bars',
        sheet: '拒付原因 Denials',
        title: '付款核查拒付原因 Payment-gate denials by reason',
        series: [{ key: 'denials', label: '拒付 Denials', valueKind: 'int' }],
        bars: reasons.map((r) => ({ label: nameOf(GATE_REASON_NAMES, r.code), values: [Number(r.denials)] })),
        empty: '本月无拒付 No denials this month',
      },
      {
        kind: 'bars',
        sheet: '节约 Savings',
        title: `${year} 年逐月节约 Savings month by month, CNY`,
        series: [
          { key: 'fundsSaved', label: '否决购车预算 Rejected purchases', valueKind: 'money' },
          { key: 'blocked', label: '拒付金额 Blocked payments', valueKind: 'money' },
        ],
        bars: yearToDate.map((m) => ({
          label: `${m.month} 月 ${year}-${String(m.month).padStart(2, '0')}`,
          values: [Number(m.fundsSavedCny), Number(m.paymentGate?.blockedCny ?? 0)],
        })),
      },
    ],
  };
}

function figuresOf(title: string, f: OversightFigures, findingsTotal: number): FiguresSection {
  return {
    kind: 'figures',
    title,
    items: [
      { key: 'findings', label: '违规与疑似 Findings', value: findingsTotal, valueKind: 'int' },
      { key: 'cases.opened', label: '立案 Cases opened', value: f.cases.opened, valueKind: 'int' },
      { key: 'cases.confirmed', label: '确认 Confirmed', value: f.cases.confirmed, valueKind: 'int' },
      { key: 'cases.rectified', label: '整改 Rectified', value: f.cases.rectified, valueKind: 'int' },
      { key: 'cases.dismissed', label: '驳回 Dismissed', value: f.cases.dismissed, valueKind: 'int' },
      {
        key: 'peopleAdmonishedOrSanctioned',
        label: '诫勉谈话或纪律处分人数 People admonished or sanctioned',
        value: f.peopleAdmonishedOrSanctioned,
        valueKind: 'int',
      },
      ...OUTCOMES.map((o) => ({
        key: `peopleByOutcome.${o}`,
        label: `${nameOf(OUTCOME_NAMES, o)} 人数`,
        value: f.peopleByOutcome[o],
        valueKind: 'int' as const,
      })),
    ],
  };
}
