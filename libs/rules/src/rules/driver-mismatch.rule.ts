import { makeFinding } from '../finding.js';
import { initialSegmenter, segmentStep, type SegmenterState, type Trip } from '../trip-segmenter.js';
import type { CardHolder } from '../context.types.js';
import { NO_EVENTS, type FindingEvent, type Rule, type RuleEnv, type Step } from '../rule.types.js';

export interface DriverMismatchState {
  segmenter: SegmenterState;
  /** Start of the current trip once judged. */
  judged: number | null;
  raised: boolean;
}

/** Names compare without spaces and middle dots, case-insensitively (张 三 = 张三). */
export function sameDriver(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/[\s·•・.]/g, '').toLowerCase();
  return norm(a) !== '' && norm(a) === norm(b);
}

/**
 * Driver card differs from the dispatch order: a trip (≥ `tripMinDistanceM`) covered by approved orders that
 * name a driver, while the driver card in the terminal names someone else. The card is the one in at the start
 * of the trip, or, when none was in, the first one inserted while driving. A trip with no card, or orders naming
 * no driver, is not judged here (trip_without_order covers trips without an order).
 */
export const driverMismatchRule: Rule<DriverMismatchState> = {
  name: 'driver_mismatch',
  kind: 'suspicion',
  init: () => ({ segmenter: initialSegmenter(), judged: null, raised: false }),
  applies: (env) => env.ctx.driverAt !== undefined,
  ongoing: (state) =>
    state.raised && state.segmenter.trip ? [{ start: state.segmenter.trip.start, end: state.segmenter.trip.end }] : [],
  step(state, fix, env): Step<DriverMismatchState> {
    if (!fix.valid) return { state, events: NO_EVENTS };
    const { state: segmenter, ended } = segmentStep(state.segmenter, fix, env);
    const events: FindingEvent[] = [];
    let { judged, raised } = state;
    if (ended && judged === ended.start) {
      if (raised) events.push({ type: 'close', finding: build(ended, env, null, []) });
      judged = null;
      raised = false;
    }
    const trip = segmenter.trip;
    if (trip && judged !== trip.start && trip.distanceM >= env.params.tripMinDistanceM) {
      const holder = env.ctx.driverAt!(env.vehicle.id, trip.start) ?? env.ctx.driverAt!(env.vehicle.id, fix.t);
      // Not judged until a card is in: a driver may swipe a little after setting off.
      if (holder?.name) {
        judged = trip.start;
        const orders = env.ctx.ordersFor(env.vehicle.id, new Date(trip.start), new Date(trip.end));
        const named = orders.map((o) => o.driver ?? '').filter((d) => d.trim() !== '');
        if (named.length > 0 && !named.some((d) => sameDriver(d, holder.name!))) {
          raised = true;
          events.push({ type: 'open', finding: build({ vehicleId: env.vehicle.id, ...trip }, env, holder, named) });
        }
      }
    }
    return { state: { segmenter, judged, raised }, events };
  },
};

function build(trip: Trip, env: RuleEnv, holder: CardHolder | null, orderDrivers: string[]) {
  return makeFinding('driver_mismatch', 'suspicion', env, {
    terminalId: '',
    start: trip.start,
    end: trip.end,
    lat: trip.startLat,
    lon: trip.startLon,
    positions: 0,
    parameters: { tripMinDistanceM: env.params.tripMinDistanceM, stopMinSeconds: env.params.stopMinSeconds },
    details: holder
      ? {
          cardDriver: holder.name,
          cardCertificateNo: holder.certificateNo,
          cardSince: new Date(holder.since).toISOString(),
          orderDrivers,
        }
      : {},
  });
}
