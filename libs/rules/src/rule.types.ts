import type { Fence } from '#app/geo';
import type { VehicleCategory } from '#app/db';
import type { RuleContext } from './context.types.js';
import type { RuleName, RuleParameters } from './parameters.js';

/** One accepted position as the rules read it; times are epoch milliseconds. */
export interface RulePosition {
  terminalId: string;
  t: number;
  lat: number;
  lon: number;
  speedKmh: number | null;
  /** false = no GNSS fix: kept for alarms and gaps, never used for fences or movement. */
  valid: boolean;
  ignition: boolean | null;
  alarmFlags: number | null;
  odometerKm: number | null;
  /** When the platform received it (epoch ms), where known. */
  receivedMs?: number;
}

/** A position with what every rule needs computed once: local time, calendar, fences, movement. */
export interface Fix extends RulePosition {
  localDate: string;
  localMinutes: number;
  /** Instant of local midnight of `localDate`. */
  localMidnight: number;
  workingDay: boolean;
  holiday: boolean;
  /** Inside working hours of a working day. */
  workingTime: boolean;
  /** Fences containing the fix; empty for invalid fixes. */
  fences: readonly Fence[];
  moving: boolean;
  /** Metres from the previous valid fix (0 without one, or for an invalid fix). */
  stepM: number;
  /** The position just before this one (valid or not). */
  previous: RulePosition | null;
}

export interface VehicleProfile {
  id: string;
  category: VehicleCategory;
  unitId: string;
}

export interface RuleEnv {
  ctx: RuleContext;
  vehicle: VehicleProfile;
  params: RuleParameters;
}

export type FindingKind = 'violation' | 'suspicion';

export interface Evidence {
  /** Time range of the positions that show it (ISO 8601). */
  from: string;
  to: string;
  positions: number;
  fence: { id: string; name: string; kind: string } | null;
  parameters: Record<string, unknown>;
  /** Ids of approved dispatch orders of the car overlapping the time range that were checked. */
  ordersConsidered: string[];
  details: Record<string, unknown>;
  /** Present when the year's official holiday schedule was missing: working days were Monday to Friday. */
  calendar?: { year: number; confirmed: false; note: string };
}

export interface Finding {
  rule: RuleName;
  kind: FindingKind;
  vehicleId: string;
  terminalId: string;
  start: number;
  end: number;
  lat: number;
  lon: number;
  fenceId: string | null;
  place: string | null;
  evidence: Evidence;
}

/** `open`: found (raise it); `close`: the same finding (same rule and start) ended, update its end. */
export interface FindingEvent {
  type: 'open' | 'close';
  finding: Finding;
}

export interface Step<S> {
  state: S;
  events: FindingEvent[];
}

/** A rule: a pure state machine over one car's positions in fix-time order. */
export interface Rule<S> {
  name: RuleName;
  kind: FindingKind;
  init(): S;
  /** Whether the rule runs at all for this car (category exemptions, configuration). */
  applies(env: RuleEnv): boolean;
  step(state: S, fix: Fix, env: RuleEnv): Step<S>;
  /** Findings already raised whose episode is still going on, with how far it has got. */
  ongoing?(state: S): { start: number; end: number }[];
}

export const NO_EVENTS: FindingEvent[] = [];
