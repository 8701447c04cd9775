import type { Fence } from '#app/geo';
import { makeFinding } from '../finding.js';
import { distanceM } from '../geo-math.js';
import { inClockRange } from '../parameters.js';
import { NO_EVENTS, type Fix, type FindingEvent, type Rule, type RuleEnv, type Step } from '../rule.types.js';

interface Parked {
  terminalId: string;
  sinceT: number;
  lastT: number;
  lat: number;
  lon: number;
  positions: number;
  /** Start of the finding once raised (the later of parking and the start of the night check). */
  openedAt: number | null;
}

export interface DesignatedParkingState {
  parked: Parked | null;
}

/** The car's own lots: parking fences naming the car or its unit; failing those, lots naming nobody. */
const lotsMemo = new WeakMap<object, Map<string, Fence[]>>();

export function designatedLots(env: RuleEnv): Fence[] {
  let byVehicle = lotsMemo.get(env.ctx.fences);
  if (!byVehicle) {
    byVehicle = new Map();
    lotsMemo.set(env.ctx.fences, byVehicle);
  }
  let lots = byVehicle.get(env.vehicle.id);
  if (!lots) {
    lots = findLots(env);
    byVehicle.set(env.vehicle.id, lots);
  }
  return lots;
}

function findLots(env: RuleEnv): Fence[] {
  const parking = env.ctx.fences.all().filter((f) => f.kind === 'parking');
  const own = parking.filter((f) => f.vehicleIds.includes(env.vehicle.id) || f.unitIds.includes(env.vehicle.unitId));
  return own.length > 0 ? own : parking.filter((f) => f.vehicleIds.length === 0 && f.unitIds.length === 0);
}

function nightStart(fix: Fix, env: RuleEnv): number {
  const from = env.params.parkingCheck.from;
  const sinceFrom = (fix.localMinutes - from + 1440) % 1440;
  return fix.t - sinceFrom * 60_000;
}

/**
 * Designated parking (定点停放): during the night check the car is parked (slower than `parkedSpeedKmh`,
 * within `parkedDriftM` of where it stopped) for `parkedSeconds` outside every lot designated for it.
 */
export const designatedParkingRule: Rule<DesignatedParkingState> = {
  name: 'designated_parking',
  kind: 'violation',
  init: () => ({ parked: null }),
  ongoing: (state) =>
    state.parked && state.parked.openedAt !== null ? [{ start: state.parked.openedAt, end: state.parked.lastT }] : [],
  applies: (env) => designatedLots(env).length > 0,
  step(state, fix, env): Step<DesignatedParkingState> {
    if (!fix.valid) return { state, events: NO_EVENTS };
    const p = env.params;
    let parked = state.parked;
    const slow = (fix.speedKmh ?? 0) < p.parkedSpeedKmh;
    const events: FindingEvent[] = [];
    if (parked && (!slow || distanceM(parked.lat, parked.lon, fix.lat, fix.lon) > p.parkedDriftM)) {
      if (parked.openedAt !== null) events.push({ type: 'close', finding: build(parked, env) });
      parked = null;
    }
    if (!slow) return { state: parked === state.parked ? state : { parked }, events };
    parked = parked
      ? { ...parked, lastT: fix.t, positions: parked.positions + 1 }
      : {
          terminalId: fix.terminalId,
          sinceT: fix.t,
          lastT: fix.t,
          lat: fix.lat,
          lon: fix.lon,
          positions: 1,
          openedAt: null,
        };
    if (parked.openedAt === null && inClockRange(fix.localMinutes, p.parkingCheck)) {
      const from = Math.max(parked.sinceT, nightStart(fix, env));
      const lots = designatedLots(env);
      const inLot = fix.fences.some((f) => lots.some((l) => l.id === f.id));
      if (!inLot && fix.t - from >= p.parkedSeconds * 1000) {
        parked = { ...parked, openedAt: from };
        events.push({ type: 'open', finding: build(parked, env) });
      }
    }
    return { state: { parked }, events };
  },
};

function build(parked: Parked, env: RuleEnv) {
  return makeFinding('designated_parking', 'violation', env, {
    terminalId: parked.terminalId,
    start: parked.openedAt!,
    end: parked.lastT,
    lat: parked.lat,
    lon: parked.lon,
    positions: parked.positions,
    parameters: {
      checkFrom: env.params.parkingCheck.from,
      checkTo: env.params.parkingCheck.to,
      parkedSpeedKmh: env.params.parkedSpeedKmh,
      parkedSeconds: env.params.parkedSeconds,
    },
    details: {
      parkedSince: new Date(parked.sinceT).toISOString(),
      designatedLots: designatedLots(env).map((f) => ({ id: f.id, name: f.name })),
    },
  });
}
