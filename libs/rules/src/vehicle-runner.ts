import type { Fence } from '#app/geo';
import { distanceM } from './geo-math.js';
import { localClock } from './local-time.js';
import { inClockRange, isExempt, type RuleName } from './parameters.js';
import type { Fix, FindingEvent, Rule, RuleEnv, RulePosition } from './rule.types.js';
import { designatedParkingRule } from './rules/designated-parking.rule.js';
import { forbiddenVenueRule } from './rules/forbidden-venue.rule.js';
import { holidaySealingRule } from './rules/holiday-sealing.rule.js';
import { leavingJurisdictionRule } from './rules/leaving-jurisdiction.rule.js';
import { lunchtimeRestaurantRule } from './rules/lunchtime-restaurant.rule.js';
import { offHoursRule } from './rules/off-hours.rule.js';
import { speedingRule } from './rules/speeding.rule.js';
import { terminalTamperingRule } from './rules/terminal-tampering.rule.js';
import { tripWithoutOrderRule } from './rules/trip-without-order.rule.js';
import { driverMismatchRule } from './rules/driver-mismatch.rule.js';
import { initialSegmenter, segmentStep, tripInProgress, type SegmenterState, type Trip } from './trip-segmenter.js';

/** Every positional rule, in the order they run. (Terminal silence is a timer, see silent-terminals.ts.) */
export const POSITION_RULES: readonly Rule<unknown>[] = [
  offHoursRule,
  holidaySealingRule,
  leavingJurisdictionRule,
  forbiddenVenueRule,
  designatedParkingRule,
  lunchtimeRestaurantRule,
  speedingRule,
  tripWithoutOrderRule,
  terminalTamperingRule,
  driverMismatchRule,
] as Rule<unknown>[];

/** Everything the detector remembers about one car between positions; plain JSON, stored as a snapshot. */
export interface VehicleState {
  version: 1;
  /** Fix time of the last position evaluated. */
  lastT: number | null;
  previous: RulePosition | null;
  lastValid: { t: number; lat: number; lon: number } | null;
  rules: Partial<Record<RuleName, unknown>>;
  trips: SegmenterState;
  evaluated: number;
}

export function initialVehicleState(): VehicleState {
  return {
    version: 1,
    lastT: null,
    previous: null,
    lastValid: null,
    rules: {},
    trips: initialSegmenter(),
    evaluated: 0,
  };
}

export interface RunResult {
  state: VehicleState;
  findings: FindingEvent[];
  /** Trips that ended. */
  trips: Trip[];
}

/** The rules that run for this car: not exempt for its category, and applicable with today's data. */
export function activeRules(env: RuleEnv, rules: readonly Rule<unknown>[] = POSITION_RULES): Rule<unknown>[] {
  return rules.filter((r) => !isExempt(env.params, env.vehicle.category, r.name) && r.applies(env));
}

const NO_FENCES: readonly Fence[] = [];

/** Enriches a position with local time, calendar, fences and movement, once for all rules. */
export function toFix(
  p: RulePosition,
  previous: RulePosition | null,
  lv: VehicleState['lastValid'],
  env: RuleEnv,
  days: Map<string, [boolean, boolean]>,
): Fix {
  const clock = localClock(p.t, env.ctx.timeZone);
  let day = days.get(clock.date);
  if (!day) {
    day = [env.ctx.calendar.isWorkingDay(clock.date), env.ctx.calendar.isStatutoryHoliday(clock.date)];
    days.set(clock.date, day);
  }
  const workingDay = day[0];
  let workingTime = false;
  if (workingDay) for (const r of env.params.workingHours) if (inClockRange(clock.minutes, r)) workingTime = true;
  const stepM = p.valid && lv ? distanceM(lv.lat, lv.lon, p.lat, p.lon) : 0;
  const moving =
    p.valid &&
    ((p.speedKmh ?? 0) > env.params.movingSpeedKmh || (p.ignition === true && stepM > env.params.displacementM));
  // Built field by field (no spread) so every fix has one hidden class.
  return {
    terminalId: p.terminalId,
    t: p.t,
    lat: p.lat,
    lon: p.lon,
    speedKmh: p.speedKmh,
    valid: p.valid,
    ignition: p.ignition,
    alarmFlags: p.alarmFlags,
    odometerKm: p.odometerKm,
    receivedMs: p.receivedMs,
    localDate: clock.date,
    localMinutes: clock.minutes,
    localMidnight: clock.midnight,
    workingDay,
    holiday: day[1],
    workingTime,
    fences: p.valid ? env.ctx.fences.containing(p.lon, p.lat) : NO_FENCES,
    moving,
    stepM,
    previous,
  };
}

/**
 * Runs one car's positions (in fix-time order) through every active rule and the trip segmenter. Positions
 * at or before the last evaluated fix time are skipped, so the same positions delivered twice change nothing.
 */
export function runVehicle(
  state: VehicleState,
  positions: readonly RulePosition[],
  env: RuleEnv,
  rules: readonly Rule<unknown>[] = activeRules(env),
): RunResult {
  const findings: FindingEvent[] = [];
  const trips: Trip[] = [];
  const days = new Map<string, [boolean, boolean]>();
  const ruleStates = { ...state.rules };
  let tripState = state.trips;
  let lastT = state.lastT;
  let previous = state.previous;
  let lastValid = state.lastValid;
  let evaluated = state.evaluated;
  for (const p of positions) {
    if (lastT !== null && p.t <= lastT) continue;
    const fix = toFix(p, previous, lastValid, env, days);
    for (const rule of rules) {
      const before = ruleStates[rule.name] ?? rule.init();
      const out = rule.step(before, fix, env);
      ruleStates[rule.name] = out.state;
      for (const e of out.events) findings.push(e);
    }
    const seg = segmentStep(tripState, fix, env);
    tripState = seg.state;
    if (seg.ended) trips.push(seg.ended);
    lastT = p.t;
    previous = p;
    if (p.valid) lastValid = { t: p.t, lat: p.lat, lon: p.lon };
    evaluated++;
  }
  return {
    state: { version: 1, lastT, previous, lastValid, rules: ruleStates, trips: tripState, evaluated },
    findings,
    trips,
  };
}

/** Raised findings whose episode is still under way, with their end so far (to keep `end_time` current). */
export function ongoingFindings(
  state: VehicleState,
  rules: readonly Rule<unknown>[],
): { rule: RuleName; start: number; end: number }[] {
  const out: { rule: RuleName; start: number; end: number }[] = [];
  for (const rule of rules) {
    const s = state.rules[rule.name];
    if (s === undefined || !rule.ongoing) continue;
    for (const o of rule.ongoing(s)) out.push({ rule: rule.name, ...o });
  }
  return out;
}

export function currentTrip(state: VehicleState, env: RuleEnv): Trip | null {
  return tripInProgress(state.trips, env);
}
