/**
 * How the reports name the service's codes: Chinese first, English beside, as on the dashboard. A code the
 * table does not know is printed as it is, so a new rule still shows up in a report.
 */

export const RULE_NAMES: Record<string, string> = {
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

export const CATEGORY_NAMES: Record<string, string> = {
  confidential_comms: '机要通信 Confidential comms',
  emergency: '应急保障 Emergency',
  law_enforcement: '执法执勤 Law enforcement',
  special_technical: '特种专业技术 Special technical',
  general: '一般公务 General',
};

export const CASE_STATUS_NAMES: Record<string, string> = {
  open: '待处理 Open',
  investigating: '调查中 Investigating',
  confirmed: '已确认 Confirmed',
  outcome_recorded: '已处理 Outcome recorded',
  rectified: '已整改 Rectified',
  closed: '已结案 Closed',
  dismissed: '已驳回 Dismissed',
};

export const OUTCOME_NAMES: Record<string, string> = {
  criticism_education: '批评教育 Criticism and education',
  admonishment_talk: '诫勉谈话 Admonishment talk',
  public_notice: '通报 Public notice',
  disciplinary_sanction: '纪律处分 Disciplinary sanction',
};

export const AUDIT_ITEM_NAMES: Record<string, string> = {
  pending: '待核查 Pending',
  compliant: '合规 Compliant',
  issue_found: '发现问题 Issue found',
};

export const FINDING_KIND_NAMES: Record<string, string> = {
  violation: '违规 Violation',
  suspicion: '疑似 Suspicion',
};

export const GATE_REASON_NAMES: Record<string, string> = {
  VEHICLE_NOT_REGISTERED: '车辆未登记 Car not registered',
  VEHICLE_DECOMMISSIONED: '车辆已报废 Car decommissioned',
  NO_ACTIVE_TERMINAL: '未绑定终端 No terminal bound',
  TERMINAL_SILENT: '终端静默 Terminal silent',
  INVOICE_REUSED: '发票重复使用 Invoice reused',
  FUEL_IMPLAUSIBLE: '加油量不合理 Fuel implausible',
  FUEL_CAR_ELSEWHERE: '加油时车辆不在场 Car elsewhere at the fill',
};

export const nameOf = (names: Record<string, string>, code: string | null | undefined): string =>
  code === null || code === undefined ? '—' : (names[code] ?? code);
