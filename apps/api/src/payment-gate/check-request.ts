import { normalizePlate } from '#app/db';
import { isCalendarDate, localDate, zonedTime } from '#app/calendar';
import { toWgs84, type CoordinateSystem } from '#app/geo';

export const EXPENSE_TYPES = [
  'fuel',
  'repair',
  'maintenance',
  'insurance',
  'toll',
  'parking',
  'washing',
  'other',
] as const;
export type ExpenseType = (typeof EXPENSE_TYPES)[number];

/** A request that passed every rule of the contract. */
export interface CheckRequest {
  plateNumber: string;
  plateNormalized: string;
  expenseType: ExpenseType;
  /** Canonical decimal with two places, e.g. `356.80`. */
  amount: string;
  invoiceNo: string;
  expenseDate: string;
  /** Fuel invoices only (all three optional). */
  fuel?: FuelFields;
}

export interface FuelFields {
  /** Canonical decimal with three places, e.g. `45.500`. */
  litres: string | null;
  /** When the fuel was taken; the end of the expense date when the invoice does not say. */
  filledAt: Date;
  filledAtGiven: boolean;
  /** WGS-84. */
  station: { lat: number; lon: number } | null;
}

const FIELDS = ['plateNumber', 'expenseType', 'amount', 'invoiceNo', 'expenseDate'] as const;
const FUEL_FIELDS = ['litres', 'filledAt', 'station'] as const;
const LITRES = /^(0|[1-9]\d{0,2})(\.\d{1,3})?$/;
const DATE_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const STATION_SYSTEMS: Record<string, CoordinateSystem> = { wgs84: 'WGS84', gcj02: 'GCJ02', bd09: 'BD09' };
/** numeric(12,2): at most 10 digits before the point. */
const AMOUNT = /^(0|[1-9]\d{0,9})(\.\d{1,2})?$/;
/** Printable: no control, format or line/paragraph separator characters. */
const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

/**
 * Checks a request body against the contract and names every field that breaks it, so the caller can
 * fix them all at once. `today` is the policy zone's calendar day.
 */
export function parseCheckRequest(
  body: unknown,
  today: string,
  context: { now: Date; timeZone: string } = { now: new Date(), timeZone: 'Asia/Shanghai' },
): { ok: true; request: CheckRequest } | { ok: false; errors: string[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: FIELDS.map((f) => `${f} is required`) };
  }
  const b = body as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of Object.keys(b)) {
    const known = (FIELDS as readonly string[]).includes(key) || (FUEL_FIELDS as readonly string[]).includes(key);
    if (!known) errors.push(`property ${key} should not exist`);
  }

  const plate = b.plateNumber;
  if (plate === undefined || plate === null) errors.push('plateNumber is required');
  else if (typeof plate !== 'string' || normalizePlate(plate) === '' || plate.length > 32) {
    errors.push('plateNumber must be a plate number of 1 to 32 characters');
  }

  const type = b.expenseType;
  if (type === undefined || type === null) errors.push('expenseType is required');
  else if (typeof type !== 'string' || !(EXPENSE_TYPES as readonly string[]).includes(type)) {
    errors.push(`expenseType must be one of: ${EXPENSE_TYPES.join(', ')}`);
  }

  const amount = b.amount;
  if (amount === undefined || amount === null) errors.push('amount is required');
  else if (typeof amount !== 'string' || !AMOUNT.test(amount) || Number(amount) <= 0) {
    errors.push('amount must be a decimal string in CNY, greater than 0, with at most 2 decimals (e.g. "356.80")');
  }

  const invoice = b.invoiceNo;
  if (invoice === undefined || invoice === null) errors.push('invoiceNo is required');
  else if (typeof invoice !== 'string' || [...invoice].length > 64 || !PRINTABLE.test(invoice) || !invoice.trim()) {
    errors.push('invoiceNo must be 1 to 64 printable characters');
  }

  const date = b.expenseDate;
  if (date === undefined || date === null) errors.push('expenseDate is required');
  else if (typeof date !== 'string' || !isCalendarDate(date)) errors.push('expenseDate must be a date YYYY-MM-DD');
  else if (date > today) errors.push(`expenseDate must not be in the future (today is ${today})`);

  const fuel = parseFuelFields(b, type, date, errors, context);
  if (errors.length > 0) return { ok: false, errors };
  const [whole, fraction = ''] = (amount as string).split('.');
  return {
    ok: true,
    request: {
      plateNumber: plate as string,
      plateNormalized: normalizePlate(plate as string),
      expenseType: type as ExpenseType,
      amount: `${whole}.${fraction.padEnd(2, '0')}`,
      invoiceNo: invoice as string,
      expenseDate: date as string,
      ...(fuel ? { fuel } : {}),
    },
  };
}

/** The optional fuel fields: only on a fuel invoice; a fill without a time is taken at the end of its day. */
function parseFuelFields(
  b: Record<string, unknown>,
  type: unknown,
  date: unknown,
  errors: string[],
  context: { now: Date; timeZone: string },
): FuelFields | undefined {
  const given = FUEL_FIELDS.filter((f) => b[f] !== undefined && b[f] !== null);
  if (type !== 'fuel') {
    for (const f of given) errors.push(`${f} is only for expenseType fuel`);
    return undefined;
  }
  let litres: string | null = null;
  if (b.litres !== undefined && b.litres !== null) {
    const l = b.litres;
    if (typeof l !== 'string' || !LITRES.test(l) || Number(l) <= 0 || Number(l) > 500) {
      errors.push(
        'litres must be a decimal string greater than 0 and at most 500, with at most 3 decimals (e.g. "45.5")',
      );
    } else {
      const [whole, fraction = ''] = l.split('.');
      litres = `${whole}.${fraction.padEnd(3, '0')}`;
    }
  }
  const day = typeof date === 'string' && isCalendarDate(date) ? date : null;
  let filledAt: Date | null = day ? new Date(zonedTime(day, '23:59:59', context.timeZone)) : null;
  let filledAtGiven = false;
  if (b.filledAt !== undefined && b.filledAt !== null) {
    const f = b.filledAt;
    const at = typeof f === 'string' && DATE_TIME_WITH_OFFSET.test(f) ? new Date(f) : null;
    if (!at || Number.isNaN(at.getTime())) {
      errors.push('filledAt must be an ISO 8601 date-time with an offset (e.g. "2026-11-20T09:30:00+08:00")');
    } else if (at > context.now) {
      errors.push('filledAt must not be in the future');
    } else if (day && localDate(at, context.timeZone) !== day) {
      errors.push(`filledAt must fall on expenseDate ${day} in ${context.timeZone}`);
    } else {
      filledAt = at;
      filledAtGiven = true;
    }
  }
  let station: FuelFields['station'] = null;
  if (b.station !== undefined && b.station !== null) {
    const s = b.station as Record<string, unknown>;
    const system = typeof s === 'object' && !Array.isArray(s) ? STATION_SYSTEMS[String(s.coordinateSystem)] : undefined;
    const extra =
      typeof s === 'object' && s !== null
        ? Object.keys(s).filter((k) => !['lat', 'lon', 'coordinateSystem'].includes(k))
        : [];
    if (
      typeof s !== 'object' ||
      Array.isArray(s) ||
      typeof s.lat !== 'number' ||
      typeof s.lon !== 'number' ||
      !Number.isFinite(s.lat) ||
      !Number.isFinite(s.lon) ||
      Math.abs(s.lat) > 90 ||
      Math.abs(s.lon) > 180 ||
      !system ||
      extra.length > 0
    ) {
      errors.push('station must be {"lat": number, "lon": number, "coordinateSystem": "wgs84" | "gcj02" | "bd09"}');
    } else {
      const [lon, lat] = toWgs84([s.lon as number, s.lat as number], system);
      station = { lat, lon };
    }
  }
  if (given.length === 0 || !filledAt) return undefined;
  return { litres, filledAt, filledAtGiven, station };
}
