import { makeFinding } from '../finding.js';
import { initialSegmenter, segmentStep, type SegmenterState, type Trip } from '../trip-segmenter.js';
import { NO_EVENTS, type FindingEvent, type Rule, type RuleEnv, type Step } from '../rule.types.js';

export interface TripWithoutOrderState {
  segmenter: SegmenterState;
  /** Start of the current trip once it has been judged (raised or found covered). */
  judged: number | null;
  raised: boolean;
}

/**
 * Trip without a dispatch order: for categories configured to need orders, a trip (movement after a stop of
 * `stopMinSeconds`, at least `tripMinDistanceM` long) that starts in working time with no approved order
 * overlapping it. Trips outside working time are the off-hours rule's.
 */
export const tripWithoutOrderRule: Rule<TripWithoutOrderState> = {
  name: 'trip_without_order',
  kind: 'violation',
  init: () => ({ segmenter: initialSegmenter(), judged: null, raised: false }),
  applies: (env) => env.params.categoriesRequiringOrders.includes(env.vehicle.category),
  ongoing: (state) =>
    state.raised && state.segmenter.trip ? [{ start: state.segmenter.trip.start, end: state.segmenter.trip.end }] : [],
  step(state, fix, env): Step<TripWithoutOrderState> {
    if (!fix.valid) return { state, events: NO_EVENTS };
    const { state: segmenter, ended } = segmentStep(state.segmenter, fix, env);
    const events: FindingEvent[] = [];
    let { judged, raised } = state;
    if (ended && judged === ended.start) {
      if (raised) events.push({ type: 'close', finding: build(ended, env) });
      judged = null;
      raised = false;
    }
    const trip = segmenter.trip;
    if (trip && judged !== trip.start && trip.distanceM >= env.params.tripMinDistanceM) {
      judged = trip.start;
      raised = false;
      const current: Trip = { vehicleId: env.vehicle.id, ...trip };
      const orders = env.ctx.ordersFor(env.vehicle.id, new Date(trip.start), new Date(trip.end));
      if (trip.startedInWorkingTime && orders.length === 0) {
        raised = true;
        events.push({ type: 'open', finding: build(current, env) });
      }
    }
    return { state: { segmenter, judged, raised }, events };
  },
};

function build(trip: Trip, env: RuleEnv) {
  return makeFinding('trip_without_order', 'violation', env, {
    terminalId: '',
    start: trip.start,
    end: trip.end,
    lat: trip.startLat,
    lon: trip.startLon,
    positions: 0,
    parameters: {
      tripMinDistanceM: env.params.tripMinDistanceM,
      stopMinSeconds: env.params.stopMinSeconds,
      categoriesRequiringOrders: env.params.categoriesRequiringOrders,
    },
    details: { distanceM: Math.round(trip.distanceM) },
  });
}
