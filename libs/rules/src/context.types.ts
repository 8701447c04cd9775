import type { FenceLookup } from '#app/geo';

/** Working days per policy: weekends and statutory holidays rest, make-up working days (调休) work. */
export interface WorkingCalendar {
  /** `localDate` is YYYY-MM-DD in the policy time zone. */
  isWorkingDay(localDate: string): boolean;
  isStatutoryHoliday(localDate: string): boolean;
  /** Whether the year's official schedule is loaded (else weekends are the only rest days it knows). */
  hasYear?(year: number): boolean;
}

/** An approved dispatch order (派车单) as the rules read it. */
export interface ApprovedDispatchOrder {
  id: string;
  vehicleId: string;
  start: Date;
  /** Already shortened when the order was ended early. */
  end: Date;
  leavesJurisdiction: boolean;
  destinationFenceId: string | null;
  /** The driver the order names (free text), where loaded. */
  driver?: string | null;
}

/** The holder of the driver card in the car's terminal (JT/T 808 0x0702). */
export interface CardHolder {
  name: string | null;
  certificateNo: string | null;
  /** When the card was inserted (epoch ms). */
  since: number;
}

/** Everything a rule may consult besides the car's own positions. */
export interface RuleContext {
  fences: FenceLookup;
  calendar: WorkingCalendar;
  /** Approved orders of this car overlapping [from, to]. */
  ordersFor(vehicleId: string, from: Date, to: Date): ApprovedDispatchOrder[];
  /** Who held the driver card at `t` (null: no card in); absent where cards are not read. */
  driverAt?(vehicleId: string, t: number): CardHolder | null;
  timeZone: string;
}
