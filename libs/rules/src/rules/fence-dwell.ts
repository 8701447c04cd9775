import type { Fence, FenceKind } from '#app/geo';
import { makeFinding } from '../finding.js';
import type { RuleName } from '../parameters.js';
import {
  NO_EVENTS,
  type Fix,
  type FindingEvent,
  type FindingKind,
  type Rule,
  type RuleEnv,
  type Step,
} from '../rule.types.js';

interface Stay {
  enterT: number;
  terminalId: string;
  lastInT: number;
  lat: number;
  lon: number;
  positions: number;
  outFixes: number;
  firstOutT: number | null;
  opened: boolean;
}

export interface FenceDwellState {
  stays: Record<string, Stay>;
}

/**
 * Dwelling in fences of one kind. Membership is diffed fix by fix with hysteresis: a stay opens at the
 * first fix inside and ends only after `fenceExitFixes` consecutive fixes outside spanning
 * `fenceExitSeconds`, so GPS drift across the edge never opens or closes a stay twice.
 */
export function fenceDwellRule(opts: {
  name: RuleName;
  kind: FindingKind;
  fenceKind: FenceKind;
  dwellSeconds: (env: RuleEnv) => number;
  /** Times at which being inside counts at all. */
  counts: (fix: Fix, env: RuleEnv) => boolean;
}): Rule<FenceDwellState> {
  const build = (fence: Fence, stay: Stay, env: RuleEnv) =>
    makeFinding(opts.name, opts.kind, env, {
      terminalId: stay.terminalId,
      start: stay.enterT,
      end: stay.lastInT,
      lat: stay.lat,
      lon: stay.lon,
      positions: stay.positions,
      fence,
      parameters: {
        dwellSeconds: opts.dwellSeconds(env),
        exitFixes: env.params.fenceExitFixes,
        exitSeconds: env.params.fenceExitSeconds,
      },
      details: { dwellSeconds: Math.round((stay.lastInT - stay.enterT) / 1000) },
    });

  return {
    name: opts.name,
    kind: opts.kind,
    init: () => ({ stays: {} }),
    applies: () => true,
    ongoing: (state) =>
      Object.values(state.stays)
        .filter((stay) => stay.opened)
        .map((stay) => ({ start: stay.enterT, end: stay.lastInT })),
    step(state, fix, env): Step<FenceDwellState> {
      if (!fix.valid) return { state, events: NO_EVENTS };
      const inside: Fence[] = [];
      if (fix.fences.length > 0 && opts.counts(fix, env)) {
        for (const fence of fix.fences) if (fence.kind === opts.fenceKind) inside.push(fence);
      }
      const ids = Object.keys(state.stays);
      if (inside.length === 0 && ids.length === 0) return { state, events: NO_EVENTS };
      const events: FindingEvent[] = [];
      const stays: Record<string, Stay> = {};
      const dwellMs = opts.dwellSeconds(env) * 1000;
      for (const fence of inside) {
        const prior = state.stays[fence.id];
        let stay: Stay = prior
          ? { ...prior, lastInT: fix.t, positions: prior.positions + 1, outFixes: 0, firstOutT: null }
          : {
              enterT: fix.t,
              terminalId: fix.terminalId,
              lastInT: fix.t,
              lat: fix.lat,
              lon: fix.lon,
              positions: 1,
              outFixes: 0,
              firstOutT: null,
              opened: false,
            };
        if (!stay.opened && stay.lastInT - stay.enterT >= dwellMs) {
          stay = { ...stay, opened: true };
          events.push({ type: 'open', finding: build(fence, stay, env) });
        }
        stays[fence.id] = stay;
      }
      for (const id of ids) {
        if (stays[id]) continue;
        const prior = state.stays[id];
        const stay: Stay = { ...prior, outFixes: prior.outFixes + 1, firstOutT: prior.firstOutT ?? fix.t };
        const left =
          stay.outFixes >= env.params.fenceExitFixes && fix.t - stay.firstOutT! >= env.params.fenceExitSeconds * 1000;
        if (!left) {
          stays[id] = stay;
          continue;
        }
        const fence = env.ctx.fences.byId(id);
        if (stay.opened && fence) events.push({ type: 'close', finding: build(fence, stay, env) });
      }
      return { state: { stays }, events };
    },
  };
}
