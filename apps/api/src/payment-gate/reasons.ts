/** Why the gate says no. Closed set; each code has its message here and nowhere else. */
export const REASON_CODES = [
  'VEHICLE_NOT_REGISTERED',
  'VEHICLE_DECOMMISSIONED',
  'NO_ACTIVE_TERMINAL',
  'TERMINAL_SILENT',
  'INVOICE_REUSED',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  message: string;
}

/** The facts a message may name, as `{plate}`, `{expenseDate}`, … in its template. */
export const REASON_PLACEHOLDERS = ['plate', 'expenseDate', 'decommissionedOn', 'silentHours', 'terminalId'] as const;

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
};
