import { movementEpisodeRule } from './movement-episode.js';

/** Holiday sealing (节假日封存): any movement on a statutory holiday without a covering order. */
export const holidaySealingRule = movementEpisodeRule(
  'holiday_sealing',
  (fix) => fix.holiday,
  (fix) => ({ localDate: fix.localDate }),
);
