/** Why the gate says no. Closed set; each code has its message here and nowhere else. */
export const REASON_CODES = [
  'VEHICLE_NOT_REGISTERED',
  'VEHICLE_DECOMMISSIONED',
  'NO_ACTIVE_TERMINAL',
  'TERMINAL_SILENT',
  'INVOICE_REUSED',
  'FUEL_IMPLAUSIBLE',
  'FUEL_CAR_ELSEWHERE',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  message: string;
}

/** The facts a message may name, as `{plate}`, `{expenseDate}`, … in its template. */
export const REASON_PLACEHOLDERS = [
  'plate',
  'expenseDate',
  'decommissionedOn',
  'silentHours',
  'terminalId',
  'litres',
  'previousFill',
  'distanceKm',
  'rate',
  'tolerance',
  'allowance',
  'filledAt',
  'stationKm',
] as const;

/**
 * Each code's message. The decision statement fills them in the database (the whole decision is one round
 * trip), so they are templates rather than functions.
 */
export const REASON_TEMPLATES: { readonly [code in ReasonCode]: string } = {
  VEHICLE_NOT_REGISTERED: 'no official car with the plate {plate} is registered',
  VEHICLE_DECOMMISSIONED: 'the car was decommissioned on {decommissionedOn}, before the expense date',
  NO_ACTIVE_TERMINAL: 'no terminal was bound to the car on {expenseDate}',
  TERMINAL_SILENT:
    'terminal {terminalId} sent no accepted position in the {silentHours} h up to the end of {expenseDate}',
  INVOICE_REUSED: 'this invoice number was already checked for a different car, expense type or amount',
  FUEL_IMPLAUSIBLE:
    '{litres} L is more than the car can have burned since its previous fill ({previousFill}): ' +
    '{distanceKm} km driven × {rate} L/100 km + {tolerance} L tolerance = {allowance} L',
  FUEL_CAR_ELSEWHERE:
    'within 10 minutes of the fill at {filledAt} the car was {stationKm} km from the station at the nearest ' +
    '(more than the 2 km allowed)',
};
