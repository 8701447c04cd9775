export type * from './context.types.js';
export type * from './rule.types.js';
export * from './parameters.js';
export { localClock, parseClock } from './local-time.js';
export type { LocalClock } from './local-time.js';
export { distanceM } from './geo-math.js';
export { makeFinding, coveredByOrder } from './finding.js';
export { initialSegmenter, segmentStep, tripInProgress } from './trip-segmenter.js';
export type { Trip, SegmenterState } from './trip-segmenter.js';
export { offHoursRule } from './rules/off-hours.rule.js';
export { holidaySealingRule } from './rules/holiday-sealing.rule.js';
export { leavingJurisdictionRule } from './rules/leaving-jurisdiction.rule.js';
export { forbiddenVenueRule } from './rules/forbidden-venue.rule.js';
export { designatedParkingRule, designatedLots } from './rules/designated-parking.rule.js';
export { lunchtimeRestaurantRule } from './rules/lunchtime-restaurant.rule.js';
export { speedingRule } from './rules/speeding.rule.js';
export { tripWithoutOrderRule } from './rules/trip-without-order.rule.js';
export { driverMismatchRule, sameDriver } from './rules/driver-mismatch.rule.js';
export { terminalTamperingRule, ALARM_NAMES } from './rules/terminal-tampering.rule.js';
export {
  POSITION_RULES,
  initialVehicleState,
  activeRules,
  runVehicle,
  currentTrip,
  ongoingFindings,
  toFix,
} from './vehicle-runner.js';
export type { VehicleState, RunResult } from './vehicle-runner.js';
export { sweepSilentTerminals } from './silent-terminals.js';
export type { Queryable, SilentTerminalFinding } from './silent-terminals.js';
