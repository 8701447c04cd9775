import { formatLocal } from '#app/calendar';
import type { Value, ValueKind } from './report-model.js';

const grouped = (digits: number) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const INT = grouped(0);
const ONE = grouped(1);
const TWO = grouped(2);

/** Wall time in the zone to the minute: `2026-03-02 08:41`. */
export function wallTime(at: Date, timeZone: string): string {
  return formatLocal(at, timeZone).slice(0, 16).replace('T', ' ');
}

/** Seconds as hours and minutes: `1:05` (an hour and five minutes), `26:00`. */
export function hoursMinutes(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A value as the PDF prints it. Numbers are grouped by thousands with a fixed number of decimals. */
export function formatValue(value: Value, kind: ValueKind = 'text', timeZone: string): string {
  if (value === null || value === '') return '—';
  if (value instanceof Date) return wallTime(value, timeZone);
  switch (kind) {
    case 'int':
      return INT.format(Number(value));
    case 'km':
      return ONE.format(Number(value));
    case 'money':
      return TWO.format(Number(value));
    case 'percent':
      return `${ONE.format(Number(value) * 100)} %`;
    case 'duration':
      return hoursMinutes(Number(value));
    case 'number':
      return String(value);
    default:
      return String(value);
  }
}

/** Metres to kilometres, kept to the metre (the XLSX keeps this, the PDF shows one decimal). */
export const kilometres = (metres: number): number => Math.round(metres) / 1000;
