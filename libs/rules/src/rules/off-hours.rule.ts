import { movementEpisodeRule } from './movement-episode.js';

/** Off-hours use: the car moves outside working time (any time on a rest day) without a covering order. */
export const offHoursRule = movementEpisodeRule(
  'off_hours',
  (fix) => !fix.workingTime,
  (fix) => ({ localDate: fix.localDate, workingDay: fix.workingDay }),
);
