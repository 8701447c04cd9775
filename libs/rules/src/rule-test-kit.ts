// Small in-memory stand-ins for the pure interfaces the rules read, and timed position sequences, for unit tests.
import type { Fence, FenceKind, FenceLookup } from '#app/geo';
import type { VehicleCategory } from '#app/db';
import type { ApprovedDispatchOrder, WorkingCalendar } from './context.types.js';
import { DEFAULT_PARAMETERS, type RuleParameters } from './parameters.js';
import type { FindingEvent, Rule, RuleEnv, RulePosition } from './rule.types.js';
import { activeRules, initialVehicleState, runVehicle, type RunResult, type VehicleState } from './vehicle-runner.js';

export const BASE = { lat: 33.95, lon: 118.3 };
const M_PER_DEG_LAT = 111_320;

/** A point `north` and `east` metres from BASE (or from `from`). */
export function offset(north: number, east: number, from = BASE): { lat: number; lon: number } {
  return {
    lat: from.lat + north / M_PER_DEG_LAT,
    lon: from.lon + east / (M_PER_DEG_LAT * Math.cos((from.lat * Math.PI) / 180)),
  };
}

/** A square fence of side 2 × halfM around a point. */
export function squareFence(
  id: string,
  kind: FenceKind,
  center: { lat: number; lon: number },
  halfM: number,
  extra: Partial<Fence> = {},
): Fence {
  const sw = offset(-halfM, -halfM, center);
  const ne = offset(halfM, halfM, center);
  return {
    id,
    name: extra.name ?? id,
    kind,
    speedLimitKmh: null,
    vehicleIds: [],
    unitIds: [],
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [sw.lon, sw.lat],
          [ne.lon, sw.lat],
          [ne.lon, ne.lat],
          [sw.lon, ne.lat],
          [sw.lon, sw.lat],
        ],
      ],
    },
    ...extra,
  };
}

function inRing(ring: number[][], lon: number, lat: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function fenceList(fences: Fence[]): FenceLookup {
  return {
    containing(lon, lat) {
      return fences.filter((f) => {
        const polys = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
        return polys.some((p) => inRing(p[0], lon, lat) && !p.slice(1).some((h) => inRing(h, lon, lat)));
      });
    },
    byId: (id) => fences.find((f) => f.id === id),
    all: () => fences,
  };
}

/** Weekends rest, statutory holidays rest, make-up days work. */
export function calendarOf(holidays: string[] = [], makeUpDays: string[] = []): WorkingCalendar {
  return {
    isStatutoryHoliday: (d) => holidays.includes(d),
    isWorkingDay(d) {
      if (makeUpDays.includes(d)) return true;
      if (holidays.includes(d)) return false;
      const dow = new Date(`${d}T12:00:00Z`).getUTCDay();
      return dow !== 0 && dow !== 6;
    },
  };
}

export const VEHICLE_ID = '00000000-0000-4000-8000-000000000001';
export const UNIT_ID = '00000000-0000-4000-8000-000000000101';

export function order(start: string, end: string, extra: Partial<ApprovedDispatchOrder> = {}): ApprovedDispatchOrder {
  return {
    id: extra.id ?? `order-${start}`,
    vehicleId: VEHICLE_ID,
    start: new Date(at(start)),
    end: new Date(at(end)),
    leavesJurisdiction: false,
    destinationFenceId: null,
    ...extra,
  };
}

export function envOf(
  opts: {
    fences?: Fence[];
    holidays?: string[];
    makeUpDays?: string[];
    orders?: ApprovedDispatchOrder[];
    category?: VehicleCategory;
    params?: Partial<RuleParameters>;
  } = {},
): RuleEnv {
  const orders = opts.orders ?? [];
  return {
    ctx: {
      fences: fenceList(opts.fences ?? []),
      calendar: calendarOf(opts.holidays, opts.makeUpDays),
      ordersFor: (vehicleId, from, to) =>
        orders.filter((o) => o.vehicleId === vehicleId && o.start <= to && o.end >= from),
      timeZone: 'Asia/Shanghai',
    },
    vehicle: { id: VEHICLE_ID, category: opts.category ?? 'general', unitId: UNIT_ID },
    params: { ...structuredClone(DEFAULT_PARAMETERS), ...opts.params } as RuleParameters,
  };
}

/** "2026-11-26 22:00:30" in Asia/Shanghai (fixed +08:00) → epoch ms. */
export function at(local: string): number {
  return Date.parse(`${local.replace(' ', 'T')}+08:00`);
}

export interface Leg {
  /** Seconds after the previous fix (0 for the first). */
  after: number;
  speed?: number;
  /** Metres north/east of BASE. */
  n?: number;
  e?: number;
  at?: { lat: number; lon: number };
  valid?: boolean;
  ignition?: boolean | null;
  alarm?: number;
  odo?: number | null;
}

/** A timed sequence: starts at `start` (local time), each leg `after` seconds after the one before. */
export function track(start: string, legs: Leg[]): RulePosition[] {
  let t = at(start);
  return legs.map((leg, i) => {
    if (i > 0) t += leg.after * 1000;
    const pos = leg.at ?? offset(leg.n ?? 0, leg.e ?? 0);
    return {
      terminalId: 'T1',
      t,
      lat: pos.lat,
      lon: pos.lon,
      speedKmh: leg.speed ?? 0,
      valid: leg.valid ?? true,
      ignition: leg.ignition === undefined ? (leg.speed ?? 0) > 0 : leg.ignition,
      alarmFlags: leg.alarm ?? 0,
      odometerKm: leg.odo ?? null,
    };
  });
}

/** `count` fixes every `every` seconds driving east at `speed`, covering the distance the speed implies. */
export function drive(count: number, every: number, speed: number, fromE = 0, n = 0): Leg[] {
  const perFix = (speed / 3.6) * every;
  return Array.from({ length: count }, (_, i) => ({ after: i === 0 ? 0 : every, speed, e: fromE + i * perFix, n }));
}

/** `count` fixes every `every` seconds standing at one spot. */
export function park(count: number, every: number, n = 0, e = 0, ignition = false): Leg[] {
  return Array.from({ length: count }, () => ({ after: every, speed: 0, n, e, ignition }));
}

export function runRule(
  rule: Rule<unknown>,
  positions: RulePosition[],
  env: RuleEnv,
): { events: FindingEvent[]; opened: FindingEvent[] } {
  const { findings } = runVehicle(initialVehicleState(), positions, env, [rule]);
  return { events: findings, opened: findings.filter((e) => e.type === 'open') };
}

export function runAll(
  positions: RulePosition[],
  env: RuleEnv,
  state: VehicleState = initialVehicleState(),
): RunResult {
  return runVehicle(state, positions, env, activeRules(env));
}
