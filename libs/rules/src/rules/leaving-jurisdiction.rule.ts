import { coveredByOrder, makeFinding } from '../finding.js';
import { distanceM } from '../geo-math.js';
import { NO_EVENTS, type FindingEvent, type Rule, type RuleEnv, type Step } from '../rule.types.js';

interface Excursion {
  terminalId: string;
  firstOutT: number;
  firstLat: number;
  firstLon: number;
  lastOutT: number;
  outFixes: number;
  travelM: number;
  /** Set once the exit is certain (enough fixes, time and distance outside). */
  confirmed: boolean;
  /** First fix outside that no order allowing it covered; the violation starts there. */
  uncovered: { t: number; lat: number; lon: number } | null;
  opened: boolean;
  inFixes: number;
}

export interface LeavingJurisdictionState {
  excursion: Excursion | null;
}

/**
 * Leaving the jurisdiction (越界). Hysteresis both ways: an exit counts only after
 * `jurisdictionExitFixes` consecutive fixes outside that span `jurisdictionExitSeconds` and reach
 * `jurisdictionExitTravelM` from the first one (a fix back inside before that cancels it); the car is back
 * only after `jurisdictionReturnFixes` consecutive fixes inside.
 */
export const leavingJurisdictionRule: Rule<LeavingJurisdictionState> = {
  name: 'leaving_jurisdiction',
  kind: 'violation',
  init: () => ({ excursion: null }),
  ongoing: (state) =>
    state.excursion?.opened && state.excursion.uncovered
      ? [{ start: state.excursion.uncovered.t, end: state.excursion.lastOutT }]
      : [],
  applies: (env) => env.ctx.fences.all().some((f) => f.kind === 'jurisdiction'),
  step(state, fix, env): Step<LeavingJurisdictionState> {
    if (!fix.valid) return { state, events: NO_EVENTS };
    const inside = fix.fences.some((f) => f.kind === 'jurisdiction');
    let x = state.excursion;
    if (inside) {
      if (!x) return { state, events: NO_EVENTS };
      if (!x.confirmed) return { state: { excursion: null }, events: NO_EVENTS };
      x = { ...x, inFixes: x.inFixes + 1 };
      if (x.inFixes < env.params.jurisdictionReturnFixes) return { state: { excursion: x }, events: NO_EVENTS };
      const events: FindingEvent[] = x.opened ? [{ type: 'close', finding: build(x, env) }] : [];
      return { state: { excursion: null }, events };
    }
    const covered = coveredByOrder(env, fix.t, true);
    x = x
      ? {
          ...x,
          lastOutT: fix.t,
          outFixes: x.outFixes + 1,
          inFixes: 0,
          travelM: Math.max(x.travelM, distanceM(x.firstLat, x.firstLon, fix.lat, fix.lon)),
        }
      : {
          terminalId: fix.terminalId,
          firstOutT: fix.t,
          firstLat: fix.lat,
          firstLon: fix.lon,
          lastOutT: fix.t,
          outFixes: 1,
          travelM: 0,
          confirmed: false,
          uncovered: null,
          opened: false,
          inFixes: 0,
        };
    if (!covered && !x.uncovered) x = { ...x, uncovered: { t: fix.t, lat: fix.lat, lon: fix.lon } };
    if (
      !x.confirmed &&
      x.outFixes >= env.params.jurisdictionExitFixes &&
      x.lastOutT - x.firstOutT >= env.params.jurisdictionExitSeconds * 1000 &&
      x.travelM >= env.params.jurisdictionExitTravelM
    ) {
      x = { ...x, confirmed: true };
    }
    const events: FindingEvent[] = [];
    if (x.confirmed && x.uncovered && !x.opened) {
      x = { ...x, opened: true };
      events.push({ type: 'open', finding: build(x, env) });
    }
    return { state: { excursion: x }, events };
  },
};

function build(x: Excursion, env: RuleEnv) {
  const start = x.uncovered ?? { t: x.firstOutT, lat: x.firstLat, lon: x.firstLon };
  const boundary = env.ctx.fences.all().find((f) => f.kind === 'jurisdiction') ?? null;
  return makeFinding('leaving_jurisdiction', 'violation', env, {
    terminalId: x.terminalId,
    start: start.t,
    end: x.lastOutT,
    lat: start.lat,
    lon: start.lon,
    positions: x.outFixes,
    fence: boundary,
    parameters: {
      exitFixes: env.params.jurisdictionExitFixes,
      exitSeconds: env.params.jurisdictionExitSeconds,
      exitTravelM: env.params.jurisdictionExitTravelM,
      returnFixes: env.params.jurisdictionReturnFixes,
    },
    details: { firstOutside: new Date(x.firstOutT).toISOString(), travelM: Math.round(x.travelM) },
  });
}
