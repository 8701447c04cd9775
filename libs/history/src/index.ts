export { HistoryService, entryHash, chainEntries, chainInsert, GENESIS_HASH, HISTORY_LOCK } from './history.service.js';
export type { HistoryEntry, HistoryVerification, ChainedEntry, ChainHead } from './history.service.js';
export { HistoryModule } from './history.module.js';
export { canonicalJson } from './canonical-json.js';
