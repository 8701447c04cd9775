import { Foundation1764100000000 } from './1764100000000-foundation.js';
import { Timescale1764100000001 } from './1764100000001-timescale.js';
import { OversightCore1764100000002 } from './1764100000002-oversight-core.js';
import { LiveState1764100000003 } from './1764100000003-live-state.js';

/** Every migration, oldest first. Listed by hand so a build never depends on a file glob. */
export const MIGRATIONS = [Foundation1764100000000, Timescale1764100000001, OversightCore1764100000002];
