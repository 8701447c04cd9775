/** Chinese first, English after: the codes of the API as people read them. */

// The same names as the reports print (the bundle takes the file itself; it imports nothing).
export {
  AUDIT_ITEM_NAMES as AUDIT_ITEMS,
  CASE_STATUS_NAMES as CASE_STATUSES,
  CATEGORY_NAMES as CATEGORIES,
  nameOf as label,
  OUTCOME_NAMES as OUTCOMES,
  RULE_NAMES as RULES,
} from '../../../../libs/reports/src/labels.js';

export const ZONE = 'Asia/Shanghai';

/** What a marker's colour says. */
export const CAR_STATES: Record<string, string> = {
  moving: '行驶 Moving',
  parked: '停放 Parked',
  offline: '离线 Offline',
  alarm: '报警/今日违规 Alarm or finding today',
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
