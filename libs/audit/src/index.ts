export { DRAW_ALGORITHM, POLICY_MIN_RATE, canonicalRoster, rosterHash, sampleSize, drawSample } from './draw.js';
export { isoWeekAt, parseIsoWeek, shiftWeek } from './iso-week.js';
export type { IsoWeek } from './iso-week.js';
export { AuditDrawService } from './audit-draw.service.js';
export type { DrawOutcome, DrawTrigger } from './audit-draw.service.js';
export { AuditCoreModule } from './audit-core.module.js';
