/** Chinese first, English after: the codes of the API as people read them. */

export const ZONE = 'Asia/Shanghai';

export const RULES: Record<string, string> = {
  off_hours: '非工作时间用车 Off-hours use',
  holiday_sealing: '节假日封存 Holiday sealing',
  leaving_jurisdiction: '越界 Leaving the jurisdiction',
  forbidden_venue: '禁入场所 Forbidden venue',
  designated_parking: '未定点停放 Parked away from the designated lot',
  lunchtime_restaurant: '午间餐饮场所停留 Lunchtime restaurant stay',
  speeding: '超速 Speeding',
  trip_without_order: '无派车单出车 Trip without dispatch order',
  terminal_tampering: '终端异常 Terminal tampering',
  terminal_silent: '终端静默 Terminal silent',
  audit_finding: '抽查发现问题 Audit finding',
};

export const CATEGORIES: Record<string, string> = {
  confidential_comms: '机要通信 Confidential comms',
  emergency: '应急保障 Emergency',
  law_enforcement: '执法执勤 Law enforcement',
  special_technical: '特种专业技术 Special technical',
  general: '一般公务 General',
};

/** What a marker's colour says. */
export const CAR_STATES: Record<string, string> = {
  moving: '行驶 Moving',
  parked: '停放 Parked',
  offline: '离线 Offline',
  alarm: '报警/今日违规 Alarm or finding today',
};

export const CASE_STATUSES: Record<string, string> = {
  open: '待处理 Open',
  investigating: '调查中 Investigating',
  confirmed: '已确认 Confirmed',
  outcome_recorded: '已处理 Outcome recorded',
  rectified: '已整改 Rectified',
  closed: '已结案 Closed',
  dismissed: '已驳回 Dismissed',
};

export const OUTCOMES: Record<string, string> = {
  criticism_education: '批评教育 Criticism and education',
  admonishment_talk: '诫勉谈话 Admonishment talk',
  public_notice: '通报 Public notice',
  disciplinary_sanction: '纪律处分 Disciplinary sanction',
};

export const AUDIT_ITEMS: Record<string, string> = {
  pending: '待核查 Pending',
  compliant: '合规 Compliant',
  issue_found: '发现问题 Issue found',
};

export const EXPENSES: Record<string, string> = {
  fuel: '加油 Fuel',
  repair: '维修 Repair',
  maintenance: '保养 Maintenance',
  insurance: '保险 Insurance',
  toll: '通行费 Toll',
  parking: '停车 Parking',
  washing: '洗车 Washing',
  other: '其他 Other',
};

export const label = (names: Record<string, string>, code: string | null | undefined): string =>
  code === null || code === undefined ? '—' : (names[code] ?? code);

export const num = (v: unknown): string =>
  v === null || v === undefined || v === '' ? '—' : Number(v).toLocaleString('zh-CN');

const clock = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'medium' });
const hm = new Intl.DateTimeFormat('zh-CN', { timeZone: ZONE, hour: '2-digit', minute: '2-digit' });
export const when = (iso: string | null | undefined): string => (iso ? clock.format(new Date(iso)) : '—');
export const time = (iso: string | null | undefined): string => (iso ? hm.format(new Date(iso)) : '—');

/** The local day (YYYY-MM-DD in Asia/Shanghai) of an instant. */
export const localDay = (at: Date): string => new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(at);
/** Midnight of that local day as an instant (China has no daylight saving time). */
export const dayStart = (day: string): Date => new Date(`${day}T00:00:00+08:00`);
/** Monday of the local week of an instant. */
export function weekStart(at: Date): Date {
  const start = dayStart(localDay(at));
  const weekday = (new Date(start.getTime() + 8 * 3600_000).getUTCDay() + 6) % 7;
  return new Date(start.getTime() - weekday * 86_400_000);
}
