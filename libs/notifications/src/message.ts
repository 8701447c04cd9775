import { formatLocal } from '#app/calendar';
import { RULE_TITLES, type FindingKind, type RuleName } from '#app/rules';
import type { Severity } from './severity.js';

/** The finding as a message tells it. */
export interface FindingView {
  id: string;
  rule: string;
  kind: FindingKind;
  severity: Severity;
  vehicleId: string;
  plateNumber: string;
  unitId: string;
  unitName: string;
  startTime: Date;
  endTime: Date | null;
  lat: number | null;
  lon: number | null;
  place: string | null;
  caseId: string | null;
  detectedAt: Date;
}

/** The rules' names as the district's staff read them. */
const RULE_NAMES_ZH: Record<RuleName, string> = {
  off_hours: '非工作时间用车',
  holiday_sealing: '节假日封存期间用车',
  leaving_jurisdiction: '越界',
  forbidden_venue: '进入禁入场所',
  designated_parking: '未定点停放',
  lunchtime_restaurant: '午间餐饮场所停留',
  speeding: '超速',
  trip_without_order: '无派车单出车',
  terminal_tampering: '终端异常',
  terminal_silent: '终端静默',
  driver_mismatch: '驾驶员与派车单不符',
};

const SEVERITY_ZH: Record<Severity, string> = { high: '高', medium: '中', low: '低' };

export function ruleLabel(rule: string): string {
  const zh = RULE_NAMES_ZH[rule as RuleName];
  const en = RULE_TITLES[rule as RuleName];
  return zh && en ? `${zh} ${en}` : rule;
}

export interface MessageOptions {
  timeZone: string;
  /** Where people open the dashboard; with it, messages link to the finding's case. */
  publicUrl?: string;
}

/** Plain lines of a finding, shared by the e-mail and the SMS. */
function lines(f: FindingView, options: MessageOptions): string[] {
  const out = [
    `车辆 Car: ${f.plateNumber} (${f.unitName})`,
    `规则 Rule: ${ruleLabel(f.rule)}${f.kind === 'suspicion' ? ' — 疑似，待核实 suspicion, to review' : ''}`,
    `级别 Severity: ${SEVERITY_ZH[f.severity]} ${f.severity}`,
    `开始 Started: ${formatLocal(f.startTime, options.timeZone)}`,
  ];
  if (f.endTime && f.endTime.getTime() !== f.startTime.getTime()) {
    out.push(`至 Until: ${formatLocal(f.endTime, options.timeZone)}`);
  }
  if (f.place) out.push(`地点 Place: ${f.place}`);
  if (f.lat !== null && f.lon !== null) out.push(`位置 Position: ${f.lat.toFixed(5)}, ${f.lon.toFixed(5)} (WGS-84)`);
  return out;
}

export function emailMessage(f: FindingView, options: MessageOptions): { subject: string; text: string } {
  const link = options.publicUrl && f.caseId ? `${options.publicUrl.replace(/\/$/, '')}/#/cases/${f.caseId}` : null;
  return {
    subject: `[公车监管 Oversight] ${ruleLabel(f.rule)} — ${f.plateNumber}`,
    text: [
      '公车监管平台发现 The oversight platform found:',
      '',
      ...lines(f, options),
      `发现编号 Finding: ${f.id}`,
      ...(f.caseId ? [`案件 Case: ${f.caseId}`] : []),
      ...(link ? [`查看 Open: ${link}`] : []),
      '',
      '此邮件由系统自动发送。This message was sent automatically.',
    ].join('\n'),
  };
}

export function smsText(f: FindingView, options: MessageOptions): string {
  const zh = RULE_NAMES_ZH[f.rule as RuleName] ?? f.rule;
  return `【公车监管】${f.plateNumber} ${zh}，${formatLocal(f.startTime, options.timeZone).slice(0, 16).replace('T', ' ')}${
    f.place ? `，${f.place}` : ''
  }`;
}

/** The JSON a webhook receives (the same body on every retry of one notification). */
export function webhookPayload(
  deliveryId: string,
  f: FindingView,
  rule: { id: string; name: string } | null,
): Record<string, unknown> {
  return {
    deliveryId,
    event: 'finding',
    finding: {
      id: f.id,
      rule: f.rule,
      ruleTitle: ruleLabel(f.rule),
      kind: f.kind,
      severity: f.severity,
      vehicleId: f.vehicleId,
      plateNumber: f.plateNumber,
      unitId: f.unitId,
      unitName: f.unitName,
      startTime: f.startTime.toISOString(),
      endTime: f.endTime?.toISOString() ?? null,
      lat: f.lat,
      lon: f.lon,
      place: f.place,
      caseId: f.caseId,
      detectedAt: f.detectedAt.toISOString(),
    },
    notificationRule: rule,
  };
}
