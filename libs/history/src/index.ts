export { HistoryService, entryHash, GENESIS_HASH } from './history.service.js';
export type { HistoryEntry, HistoryVerification } from './history.service.js';
export { HistoryModule } from './history.module.js';
export { canonicalJson } from './canonical-json.js';
