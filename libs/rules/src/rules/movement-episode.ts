import { coveredByOrder, makeFinding } from '../finding.js';
import type { RuleName } from '../parameters.js';
import { NO_EVENTS, type Fix, type FindingEvent, type Rule, type RuleEnv, type Step } from '../rule.types.js';

interface Episode {
  start: number;
  terminalId: string;
  lat: number;
  lon: number;
  lastMoveT: number;
  distanceM: number;
  positions: number;
  maxSpeedKmh: number;
  opened: boolean;
}

export interface MovementEpisodeState {
  episode: Episode | null;
}

/**
 * Movement at a time when the car should stand still (outside working time, on a holiday) and that no
 * approved order covers. An episode ends when the car has not moved for `episodeEndStopSeconds`, or when
 * the time becomes allowed or covered; it is raised once it has lasted `offHoursMinSeconds`.
 */
export function movementEpisodeRule(
  name: RuleName,
  forbiddenAt: (fix: Fix) => boolean,
  describe: (fix: Fix) => Record<string, unknown>,
): Rule<MovementEpisodeState> {
  const finish = (episode: Episode, env: RuleEnv, events: FindingEvent[]): void => {
    if (episode.opened) events.push({ type: 'close', finding: build(episode, env, {}) });
  };
  const build = (episode: Episode, env: RuleEnv, details: Record<string, unknown>) =>
    makeFinding(name, 'violation', env, {
      terminalId: episode.terminalId,
      start: episode.start,
      end: episode.lastMoveT,
      lat: episode.lat,
      lon: episode.lon,
      positions: episode.positions,
      parameters: {
        movingSpeedKmh: env.params.movingSpeedKmh,
        displacementM: env.params.displacementM,
        minSeconds: env.params.offHoursMinSeconds,
        workingHours: env.params.workingHours,
        timeZone: env.ctx.timeZone,
      },
      details: { distanceM: Math.round(episode.distanceM), maxSpeedKmh: episode.maxSpeedKmh, ...details },
    });

  return {
    name,
    kind: 'violation',
    init: () => ({ episode: null }),
    applies: () => true,
    ongoing: (state) => (state.episode?.opened ? [{ start: state.episode.start, end: state.episode.lastMoveT }] : []),
    step(state, fix, env): Step<MovementEpisodeState> {
      if (!fix.valid) return { state, events: NO_EVENTS };
      const events: FindingEvent[] = [];
      let episode = state.episode;
      const stopLimit = env.params.episodeEndStopSeconds * 1000;
      const forbidden = forbiddenAt(fix);
      const eligible = fix.moving && forbidden && !coveredByOrder(env, fix.t);
      // Over when the car stood still long enough, the time became allowed, or it moves under an order.
      if (episode && (fix.t - episode.lastMoveT >= stopLimit || !forbidden || (fix.moving && !eligible))) {
        finish(episode, env, events);
        episode = null;
      }
      if (eligible) {
        const speed = fix.speedKmh ?? 0;
        episode = episode
          ? {
              ...episode,
              lastMoveT: fix.t,
              distanceM: episode.distanceM + fix.stepM,
              positions: episode.positions + 1,
              maxSpeedKmh: Math.max(episode.maxSpeedKmh, speed),
            }
          : {
              start: fix.t,
              terminalId: fix.terminalId,
              lat: fix.lat,
              lon: fix.lon,
              lastMoveT: fix.t,
              distanceM: 0,
              positions: 1,
              maxSpeedKmh: speed,
              opened: false,
            };
        if (!episode.opened && episode.lastMoveT - episode.start >= env.params.offHoursMinSeconds * 1000) {
          episode = { ...episode, opened: true };
          events.push({ type: 'open', finding: build(episode, env, describe(fix)) });
        }
      }
      return { state: episode === state.episode ? state : { episode }, events };
    },
  };
}
