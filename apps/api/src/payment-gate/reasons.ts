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

export interface ReasonFacts {
  plate: string;
  expenseDate: string;
  decommissionedOn?: string | null;
  silentHours: number;
  terminalId?: string | null;
}

const MESSAGES: { [code in ReasonCode]: (f: ReasonFacts) => string } = {
  VEHICLE_NOT_REGISTERED: (f) => `no official car with the plate ${f.plate} is registered`,
  VEHICLE_DECOMMISSIONED: (f) => `the car was decommissioned on ${f.decommissionedOn}, before the expense date`,
  NO_ACTIVE_TERMINAL: (f) => `no terminal was bound to the car on ${f.expenseDate}`,
  TERMINAL_SILENT: (f) =>
    `terminal ${f.terminalId} sent no accepted position in the ${f.silentHours} h ` +
    `up to the end of ${f.expenseDate}`,
  INVOICE_REUSED: () => 'this invoice number was already checked for a different car, expense type or amount',
};

export function reason(code: ReasonCode, facts: ReasonFacts): Reason {
  return { code, message: MESSAGES[code](facts) };
}
