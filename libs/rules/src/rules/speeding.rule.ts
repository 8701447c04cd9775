import type { Fence } from '#app/geo';
import { makeFinding } from '../finding.js';
import { NO_EVENTS, type Fix, type FindingEvent, type Rule, type RuleEnv, type Step } from '../rule.types.js';

interface Episode {
  terminalId: string;
  start: number;
  lastOverT: number;
  lat: number;
  lon: number;
  limitKmh: number;
  fenceId: string | null;
  maxSpeedKmh: number;
  positions: number;
  opened: boolean;
}

export interface SpeedingState {
  episode: Episode | null;
}

function limitAt(fix: Fix, env: RuleEnv): { limit: number; fence: Fence | null } {
  let best: { limit: number; fence: Fence | null } = { limit: env.params.speedLimitKmh, fence: null };
  for (const f of fix.fences) {
    if (f.kind === 'speed_zone' && f.speedLimitKmh !== null && (best.fence === null || f.speedLimitKmh < best.limit)) {
      best = { limit: f.speedLimitKmh, fence: f };
    }
  }
  return best;
}

/** Speeding: above the speed-zone limit of the fence (the lowest when several) or the global limit, long enough. */
export const speedingRule: Rule<SpeedingState> = {
  name: 'speeding',
  kind: 'violation',
  init: () => ({ episode: null }),
  applies: () => true,
  ongoing: (state) => (state.episode?.opened ? [{ start: state.episode.start, end: state.episode.lastOverT }] : []),
  step(state, fix, env): Step<SpeedingState> {
    if (!fix.valid || fix.speedKmh === null) return { state, events: NO_EVENTS };
    const { limit, fence } = limitAt(fix, env);
    const over = fix.speedKmh > limit;
    let e = state.episode;
    const events: FindingEvent[] = [];
    if (e && (!over || fix.t - e.lastOverT > env.params.speedingGapSeconds * 1000)) {
      if (e.opened) events.push({ type: 'close', finding: build(e, env) });
      e = null;
    }
    if (over) {
      e = e
        ? {
            ...e,
            lastOverT: fix.t,
            positions: e.positions + 1,
            maxSpeedKmh: Math.max(e.maxSpeedKmh, fix.speedKmh),
            limitKmh: Math.min(e.limitKmh, limit),
          }
        : {
            terminalId: fix.terminalId,
            start: fix.t,
            lastOverT: fix.t,
            lat: fix.lat,
            lon: fix.lon,
            limitKmh: limit,
            fenceId: fence?.id ?? null,
            maxSpeedKmh: fix.speedKmh,
            positions: 1,
            opened: false,
          };
      if (!e.opened && e.lastOverT - e.start >= env.params.speedingSeconds * 1000) {
        e = { ...e, opened: true };
        events.push({ type: 'open', finding: build(e, env) });
      }
    }
    if (e === state.episode) return { state, events };
    return { state: { episode: e }, events };
  },
};

function build(e: Episode, env: RuleEnv) {
  return makeFinding('speeding', 'violation', env, {
    terminalId: e.terminalId,
    start: e.start,
    end: e.lastOverT,
    lat: e.lat,
    lon: e.lon,
    positions: e.positions,
    fence: e.fenceId ? (env.ctx.fences.byId(e.fenceId) ?? null) : null,
    parameters: { limitKmh: e.limitKmh, minSeconds: env.params.speedingSeconds },
    details: { maxSpeedKmh: e.maxSpeedKmh },
  });
}
