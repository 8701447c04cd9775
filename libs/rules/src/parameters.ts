import type { VehicleCategory } from '#app/db';

export const RULE_NAMES = [
  'off_hours',
  'holiday_sealing',
  'leaving_jurisdiction',
  'forbidden_venue',
  'designated_parking',
  'lunchtime_restaurant',
  'speeding',
  'trip_without_order',
  'terminal_tampering',
  'terminal_silent',
  'driver_mismatch',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/** How each rule is named to people (case titles, the dashboard). */
export const RULE_TITLES: Record<RuleName, string> = {
  off_hours: 'Off-hours use',
  holiday_sealing: 'Holiday sealing',
  leaving_jurisdiction: 'Leaving the jurisdiction',
  forbidden_venue: 'Forbidden venue',
  designated_parking: 'Overnight parking away from the designated lot',
  lunchtime_restaurant: 'Lunchtime restaurant stay',
  speeding: 'Speeding',
  trip_without_order: 'Trip without dispatch order',
  terminal_tampering: 'Terminal tampering',
  terminal_silent: 'Terminal silent',
  driver_mismatch: 'Driver card differs from the dispatch order',
};

/** A local clock range [from, to) in minutes since midnight; `to` below `from` wraps past midnight. */
export interface ClockRange {
  from: number;
  to: number;
}

/** Every threshold the rules use; DESIGN §3 defaults in DEFAULT_PARAMETERS. */
export interface RuleParameters {
  /** Moving: faster than this… */
  movingSpeedKmh: number;
  /** …or ignition on and this far from the previous fix. */
  displacementM: number;
  workingHours: ClockRange[];
  /** A movement outside working time counts once it has lasted this long (filters a car being re-parked). */
  offHoursMinSeconds: number;
  /** A movement episode ends after the car has not moved for this long. */
  episodeEndStopSeconds: number;
  /** Leaving the jurisdiction: this many consecutive fixes outside, spanning this long, this far past the first. */
  jurisdictionExitFixes: number;
  jurisdictionExitSeconds: number;
  jurisdictionExitTravelM: number;
  /** …and back only after this many consecutive fixes inside. */
  jurisdictionReturnFixes: number;
  forbiddenDwellSeconds: number;
  /**
   * Optional automatic action of the forbidden-venue rule: when set (e.g. "请勿驶入禁入区域"), a car whose
   * stay in a forbidden fence is raised gets this text as a voice prompt on its JT/T 808 terminal. Empty: off.
   */
  forbiddenVenuePrompt: string;
  /** A stay in a fence ends only after this many consecutive fixes outside it, spanning this long. */
  fenceExitFixes: number;
  fenceExitSeconds: number;
  parkingCheck: ClockRange;
  parkedSpeedKmh: number;
  parkedSeconds: number;
  /** A parked car drifting further than this from where it stopped has moved. */
  parkedDriftM: number;
  lunchWindow: ClockRange;
  restaurantDwellSeconds: number;
  speedLimitKmh: number;
  speedingSeconds: number;
  /** Over-limit fixes further apart than this belong to separate episodes. */
  speedingGapSeconds: number;
  /** Categories whose trips in working time need an approved order. */
  categoriesRequiringOrders: VehicleCategory[];
  tripMinDistanceM: number;
  stopMinSeconds: number;
  tamperAlarmBits: number[];
  positionGapSeconds: number;
  odometerJumpKm: number;
  /** A gap or jump is raised only once this much receive time has passed without a re-upload filling it. */
  gapGraceSeconds: number;
  silentHours: number;
  /** Rules that do not apply to a category at all. */
  exemptions: Partial<Record<VehicleCategory, RuleName[]>>;
}

const DEFAULTS: RuleParameters = {
  movingSpeedKmh: 5,
  displacementM: 50,
  workingHours: [
    { from: 8 * 60 + 30, to: 12 * 60 },
    { from: 14 * 60, to: 17 * 60 + 30 },
  ],
  offHoursMinSeconds: 60,
  episodeEndStopSeconds: 300,
  jurisdictionExitFixes: 3,
  jurisdictionExitSeconds: 60,
  jurisdictionExitTravelM: 50,
  jurisdictionReturnFixes: 3,
  forbiddenDwellSeconds: 600,
  forbiddenVenuePrompt: '',
  fenceExitFixes: 3,
  fenceExitSeconds: 60,
  parkingCheck: { from: 22 * 60, to: 6 * 60 },
  parkedSpeedKmh: 3,
  parkedSeconds: 1200,
  parkedDriftM: 100,
  lunchWindow: { from: 11 * 60 + 30, to: 13 * 60 + 30 },
  restaurantDwellSeconds: 1200,
  speedLimitKmh: 120,
  speedingSeconds: 30,
  speedingGapSeconds: 60,
  categoriesRequiringOrders: [],
  tripMinDistanceM: 500,
  stopMinSeconds: 300,
  tamperAlarmBits: [4, 5, 8],
  positionGapSeconds: 600,
  odometerJumpKm: 5,
  gapGraceSeconds: 120,
  silentHours: 72,
  exemptions: {
    emergency: ['off_hours', 'holiday_sealing', 'trip_without_order'],
    law_enforcement: ['off_hours', 'holiday_sealing', 'trip_without_order'],
  },
};
export const DEFAULT_PARAMETERS: Readonly<RuleParameters> = Object.freeze(DEFAULTS);

/** Defaults overlaid with stored settings; unknown keys and wrong types are reported, not silently used. */
export function mergeParameters(overrides: Record<string, unknown> | null | undefined): {
  parameters: RuleParameters;
  problems: string[];
} {
  const parameters: RuleParameters = structuredClone(DEFAULT_PARAMETERS) as RuleParameters;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in parameters)) {
      problems.push(`unknown rule parameter "${key}"`);
      continue;
    }
    const current = (parameters as unknown as Record<string, unknown>)[key];
    const sameShape =
      typeof current === typeof value && Array.isArray(current) === Array.isArray(value) && value !== null;
    if (!sameShape || (typeof value === 'number' && !(Number.isFinite(value) && value >= 0))) {
      problems.push(`rule parameter "${key}" has the wrong type`);
      continue;
    }
    (parameters as unknown as Record<string, unknown>)[key] = value;
  }
  return { parameters, problems };
}

export function inClockRange(minutes: number, range: ClockRange): boolean {
  return range.from <= range.to
    ? minutes >= range.from && minutes < range.to
    : minutes >= range.from || minutes < range.to;
}

export function isExempt(params: RuleParameters, category: VehicleCategory, rule: RuleName): boolean {
  return params.exemptions[category]?.includes(rule) ?? false;
}
