import { inClockRange } from '../parameters.js';
import { fenceDwellRule } from './fence-dwell.js';

/**
 * Lunchtime restaurant stay (the lunchtime alcohol ban): on a working day, dwelling at a `restaurant` fence
 * within the lunch window for the threshold. Only a suspicion for review; time outside the window does not count.
 */
export const lunchtimeRestaurantRule = fenceDwellRule({
  name: 'lunchtime_restaurant',
  kind: 'suspicion',
  fenceKind: 'restaurant',
  dwellSeconds: (env) => env.params.restaurantDwellSeconds,
  counts: (fix, env) => fix.workingDay && inClockRange(fix.localMinutes, env.params.lunchWindow),
});
