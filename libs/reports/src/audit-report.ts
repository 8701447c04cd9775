import { drawSample, parseIsoWeek, rosterHash, sampleSize } from '#app/audit';
import { kilometres, wallTime } from './format.js';
import { AUDIT_ITEM_NAMES, CASE_STATUS_NAMES, FINDING_KIND_NAMES, RULE_NAMES, nameOf } from './labels.js';
import type { Queryable } from './oversight-stats.js';
import type { Progress, ReportDocument, Value } from './report-model.js';
import { KIND_TITLES, ReportError } from './report-request.js';

interface WeekRow {
  id: string;
  iso_week: string;
  first_day: string;
  last_day: string;
  algorithm: string;
  seed: string;
  roster: string[];
  roster_hash: string;
  active_count: number;
  sample_rate: number;
  sample_size: number;
  sample: string[];
  trigger: string;
  drawn_by: string;
  drawn_at: Date;
  drawn_late: boolean;
  late_reason: string | null;
}

interface ItemRow {
  position: number;
  vehicle_id: string;
  plate_number: string;
  unit_name: string;
  status: string;
  trips: number;
  distance_m: number;
  off_hours_distance_m: number;
  findings: { rule: string; kind: string; startTime: string; caseId: string | null }[];
  note: string | null;
  case_status: string | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
}

const TRIGGERS: Record<string, string> = {
  schedule: '按时 On schedule',
  catch_up: '启动时补抽 At start (catch-up)',
  manual: '手动 By hand',
};

/**
 * One ISO week's audit: the draw (seed, roster hash, sample size against the policy minimum, and whether it
 * follows from its seed and roster), each drawn car with what it did the week before and how it was
 * reviewed, the findings the review rested on, and the draw per unit.
 */
export async function buildWeeklyAuditReport(
  db: Queryable,
  label: string,
  context: { timeZone: string; generatedAt: Date; progress: Progress },
): Promise<ReportDocument> {
  const week = parseIsoWeek(label, context.timeZone);
  if (!week) throw new ReportError('BAD_WEEK', `week must be an ISO week YYYY-Www, got ${label}`);
  const weeks: WeekRow[] = await db.query(
    `SELECT id, iso_week, first_day::text, last_day::text, algorithm, seed, roster, roster_hash, active_count,
            sample_rate, sample_size, sample, trigger, drawn_by, drawn_at, drawn_late, late_reason
       FROM audit_weeks WHERE iso_week = $1`,
    [week.label],
  );
  const w = weeks[0];
  if (!w) throw new ReportError('WEEK_NOT_DRAWN', `the audit of ${week.label} has not been drawn`);
  const items: ItemRow[] = await db.query(
    `SELECT i.position, i.vehicle_id, v.plate_number, u.name AS unit_name, i.status, i.trips, i.distance_m,
            i.off_hours_distance_m, i.findings, i.note, c.status AS case_status, i.reviewed_by, i.reviewed_at
       FROM audit_items i JOIN vehicles v ON v.id = i.vehicle_id JOIN units u ON u.id = v.unit_id
       LEFT JOIN cases c ON c.id = i.case_id
      WHERE i.audit_week_id = $1 ORDER BY i.position`,
    [w.id],
  );
  await context.progress(0.5);

  const recomputed = drawSample(Buffer.from(w.seed, 'hex'), w.roster, w.sample_size);
  const verified =
    rosterHash(w.roster) === w.roster_hash &&
    JSON.stringify(recomputed) === JSON.stringify(w.sample) &&
    JSON.stringify(items.map((i) => i.vehicle_id)) === JSON.stringify(w.sample) &&
    w.sample_size >= sampleSize(w.roster.length, 0.1);
  const count = (status: string) => items.filter((i) => i.status === status).length;

  const byUnit = new Map<string, { drawn: number; issues: number }>();
  for (const item of items) {
    const unit = byUnit.get(item.unit_name) ?? { drawn: 0, issues: 0 };
    unit.drawn += 1;
    if (item.status === 'issue_found') unit.issues += 1;
    byUnit.set(item.unit_name, unit);
  }
  const findingRows: Record<string, Value>[] = items.flatMap((item) =>
    item.findings.map((f) => ({
      plate: item.plate_number,
      rule: nameOf(RULE_NAMES, f.rule),
      kind: nameOf(FINDING_KIND_NAMES, f.kind),
      start: new Date(f.startTime),
    })),
  );

  return {
    kind: 'weekly_audit',
    title: KIND_TITLES.weekly_audit,
    subtitle: `${w.iso_week} · ${w.first_day} – ${w.last_day}`,
    fileStem: `weekly-audit-${w.iso_week}`,
    meta: [
      { label: '抽取时间 Drawn at', value: `${wallTime(w.drawn_at, context.timeZone)} (${context.timeZone})` },
      { label: '方式 Trigger', value: nameOf(TRIGGERS, w.trigger) + (w.drawn_late ? ` · ${w.late_reason ?? ''}` : '') },
      { label: '算法 Algorithm', value: w.algorithm },
      { label: '种子 Seed', value: w.seed },
      { label: '名册哈希 Roster SHA-256', value: w.roster_hash },
      {
        label: '复核 Verification',
        value: verified
          ? '抽样可由种子和名册复现 The sample follows from its seed and roster'
          : '抽样与种子和名册不符 The sample does NOT follow from its seed and roster',
      },
    ],
    sections: [
      {
        kind: 'figures',
        title: '抽查概况 The draw',
        items: [
          { key: 'activeCount', label: '在用车辆 Active cars', value: w.active_count, valueKind: 'int' },
          { key: 'sampleSize', label: '抽取车辆 Cars drawn', value: w.sample_size, valueKind: 'int' },
          {
            key: 'share',
            label: '抽取比例 Share drawn',
            value: w.active_count === 0 ? 0 : w.sample_size / w.active_count,
            valueKind: 'percent',
          },
          {
            key: 'minimum',
            label: '政策最低数 Policy minimum (10 %)',
            value: sampleSize(w.roster.length, 0.1),
            valueKind: 'int',
          },
          { key: 'reviewed', label: '已核查 Reviewed', value: items.length - count('pending'), valueKind: 'int' },
          { key: 'compliant', label: '合规 Compliant', value: count('compliant'), valueKind: 'int' },
          { key: 'issueFound', label: '发现问题 Issue found', value: count('issue_found'), valueKind: 'int' },
          { key: 'pending', label: '待核查 Pending', value: count('pending'), valueKind: 'int' },
          { key: 'verified', label: '可复核 Verified', value: verified ? '是 yes' : '否 no' },
        ],
      },
      {
        kind: 'table',
        sheet: '抽查车辆 Items',
        title: '抽查车辆（上周情况） Cars drawn, with the week before',
        columns: [
          { key: 'position', header: '序号 No.', kind: 'int', width: 0.5 },
          { key: 'plate', header: '车牌 Plate', width: 1.1 },
          { key: 'unit', header: '单位 Unit', width: 1.4 },
          { key: 'trips', header: '行程 Trips', kind: 'int', width: 0.6 },
          { key: 'distanceKm', header: '里程 km', kind: 'km', width: 0.7 },
          { key: 'offHoursKm', header: '非工作 km', kind: 'km', width: 0.7 },
          { key: 'findings', header: '违规 Findings', kind: 'int', width: 0.7 },
          { key: 'status', header: '结论 Result', width: 1.1 },
          { key: 'caseStatus', header: '案件 Case', width: 1 },
          { key: 'reviewedBy', header: '核查人 By', width: 0.9 },
          { key: 'note', header: '说明 Note', width: 1.5 },
        ],
        rows: items.map((i) => ({
          position: i.position,
          plate: i.plate_number,
          unit: i.unit_name,
          trips: i.trips,
          distanceKm: kilometres(i.distance_m),
          offHoursKm: kilometres(i.off_hours_distance_m),
          findings: i.findings.length,
          status: nameOf(AUDIT_ITEM_NAMES, i.status),
          caseStatus: i.case_status === null ? null : nameOf(CASE_STATUS_NAMES, i.case_status),
          reviewedBy: i.reviewed_by,
          note: i.note,
        })),
      },
      {
        kind: 'table',
        sheet: '上周违规 Findings',
        title: '抽查车辆上周的违规 Findings of the cars drawn, the week before',
        columns: [
          { key: 'plate', header: '车牌 Plate' },
          { key: 'rule', header: '规则 Rule', width: 2 },
          { key: 'kind', header: '性质 Kind' },
          { key: 'start', header: '开始 Start', kind: 'time', width: 1.2 },
        ],
        rows: findingRows,
        empty: '无违规 No findings',
      },
      {
        kind: 'bars',
        sheet: '按单位 By unit',
        title: '按单位 By unit',
        series: [
          { key: 'drawn', label: '抽取 Drawn', valueKind: 'int' },
          { key: 'issues', label: '发现问题 Issue found', valueKind: 'int' },
        ],
        bars: [...byUnit]
          .sort((a, b) => b[1].drawn - a[1].drawn || a[0].localeCompare(b[0]))
          .map(([unit, v]) => ({ label: unit, values: [v.drawn, v.issues] })),
      },
    ],
  };
}
