import { normalizePlate } from '#app/db';
import { isCalendarDate } from '#app/calendar';

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
}

const FIELDS = ['plateNumber', 'expenseType', 'amount', 'invoiceNo', 'expenseDate'] as const;
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
): { ok: true; request: CheckRequest } | { ok: false; errors: string[] } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, errors: FIELDS.map((f) => `${f} is required`) };
  }
  const b = body as Record<string, unknown>;
  const errors: string[] = [];
  for (const key of Object.keys(b)) {
    if (!(FIELDS as readonly string[]).includes(key)) errors.push(`property ${key} should not exist`);
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
    },
  };
}
