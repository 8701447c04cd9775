import type { Fence } from '#app/geo';
import type { RuleName } from './parameters.js';
import { localClock } from './local-time.js';
import type { Finding, FindingKind, RuleEnv } from './rule.types.js';

export interface FindingInput {
  terminalId: string;
  start: number;
  end: number;
  lat: number;
  lon: number;
  positions: number;
  fence?: Fence | null;
  parameters: Record<string, unknown>;
  details?: Record<string, unknown>;
}

/** Builds a finding with its evidence, listing the car's approved orders that overlap it. */
export function makeFinding(rule: RuleName, kind: FindingKind, env: RuleEnv, input: FindingInput): Finding {
  const fence = input.fence ?? null;
  const orders = env.ctx.ordersFor(env.vehicle.id, new Date(input.start), new Date(input.end));
  // Judged without the year's official holiday schedule: working days were taken as Monday to Friday.
  const year = Number(localClock(input.start, env.ctx.timeZone).date.slice(0, 4));
  const unconfirmed = env.ctx.calendar.hasYear?.(year) === false;
  return {
    rule,
    kind,
    vehicleId: env.vehicle.id,
    terminalId: input.terminalId,
    start: input.start,
    end: input.end,
    lat: input.lat,
    lon: input.lon,
    fenceId: fence?.id ?? null,
    place: fence?.name ?? null,
    evidence: {
      from: new Date(input.start).toISOString(),
      to: new Date(input.end).toISOString(),
      positions: input.positions,
      fence: fence ? { id: fence.id, name: fence.name, kind: fence.kind } : null,
      parameters: input.parameters,
      ordersConsidered: orders.map((o) => o.id),
      details: input.details ?? {},
      ...(unconfirmed
        ? { calendar: { year, confirmed: false, note: `no official holiday schedule was loaded for ${year}` } }
        : {}),
    },
  };
}

/** Whether an approved order covers the instant `t` (optionally one that may leave the jurisdiction). */
export function coveredByOrder(env: RuleEnv, t: number, leavingJurisdiction = false): boolean {
  const at = new Date(t);
  return env.ctx
    .ordersFor(env.vehicle.id, at, at)
    .some((o) => o.start.getTime() <= t && t <= o.end.getTime() && (!leavingJurisdiction || o.leavesJurisdiction));
}
