import { fenceDwellRule } from './fence-dwell.js';

/** Forbidden venue (禁入场所): dwelling inside a `forbidden` fence at least the dwell threshold. */
export const forbiddenVenueRule = fenceDwellRule({
  name: 'forbidden_venue',
  kind: 'violation',
  fenceKind: 'forbidden',
  dwellSeconds: (env) => env.params.forbiddenDwellSeconds,
  counts: () => true,
});
