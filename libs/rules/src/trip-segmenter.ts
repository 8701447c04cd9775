import type { Fix, RuleEnv } from './rule.types.js';

export interface Trip {
  vehicleId: string;
  start: number;
  end: number;
  startLat: number;
  startLon: number;
  endLat: number;
  endLon: number;
  distanceM: number;
  offHoursDistanceM: number;
  maxSpeedKmh: number;
  /** Whether the trip began in working time (for the dispatch-order rule). */
  startedInWorkingTime: boolean;
}

export interface SegmenterState {
  trip: Omit<Trip, 'vehicleId'> | null;
  /** Last valid fix, where a trip starts when the car sets off. */
  last: { t: number; lat: number; lon: number; workingTime: boolean } | null;
}

export const initialSegmenter = (): SegmenterState => ({ trip: null, last: null });

/**
 * Trips and stops from positions: a trip starts when the car moves and ends at its last movement once it
 * has stood still (or sent nothing) for `stopMinSeconds`; trips shorter than `tripMinDistanceM` are dropped
 * by the caller. Distance driven outside working time is kept apart.
 */
export function segmentStep(
  state: SegmenterState,
  fix: Fix,
  env: RuleEnv,
): { state: SegmenterState; ended: Trip | null } {
  if (!fix.valid) return { state, ended: null };
  const stopMs = env.params.stopMinSeconds * 1000;
  let trip = state.trip;
  let ended: Trip | null = null;
  if (trip && fix.t - trip.end >= stopMs) {
    if (trip.distanceM >= env.params.tripMinDistanceM) ended = { vehicleId: env.vehicle.id, ...trip };
    trip = null;
  }
  if (fix.moving) {
    const speed = fix.speedKmh ?? 0;
    if (trip) {
      trip = {
        ...trip,
        end: fix.t,
        endLat: fix.lat,
        endLon: fix.lon,
        distanceM: trip.distanceM + fix.stepM,
        offHoursDistanceM: trip.offHoursDistanceM + (fix.workingTime ? 0 : fix.stepM),
        maxSpeedKmh: Math.max(trip.maxSpeedKmh, speed),
      };
    } else {
      // The car set off from its last fix when that was recent; otherwise from here.
      const from = state.last && fix.t - state.last.t < stopMs ? state.last : null;
      const step = from ? fix.stepM : 0;
      trip = {
        start: from?.t ?? fix.t,
        end: fix.t,
        startLat: from?.lat ?? fix.lat,
        startLon: from?.lon ?? fix.lon,
        endLat: fix.lat,
        endLon: fix.lon,
        distanceM: step,
        offHoursDistanceM: fix.workingTime ? 0 : step,
        maxSpeedKmh: speed,
        startedInWorkingTime: from ? from.workingTime : fix.workingTime,
      };
    }
  }
  return {
    state: { trip, last: { t: fix.t, lat: fix.lat, lon: fix.lon, workingTime: fix.workingTime } },
    ended,
  };
}

/** The trip under way, if it is already long enough to count. */
export function tripInProgress(state: SegmenterState, env: RuleEnv): Trip | null {
  return state.trip && state.trip.distanceM >= env.params.tripMinDistanceM
    ? { vehicleId: env.vehicle.id, ...state.trip }
    : null;
}
