export * from './entities/index.js';
export { MIGRATIONS } from './migrations/index.js';
export { POSITIONS_PACK_LOCK } from './migrations/1764100020000-position-packs.js';
export { runMigrations, dataSourceOptions } from './migrate.js';
export { DatabaseModule } from './database.module.js';
export { normalizePlate, isValidPlate } from './plate.js';
export { inlineParameters, onConnection, results, transactionInOneMessage } from './transaction-message.js';
export { returnedRows } from './returned-rows.js';
export { backupDatabase, restoreDatabase, RestoreError } from './backup.js';
export type { BackupManifest, BackupOptions } from './backup.js';
export {
  applyPositionsPolicies,
  deleteExpiredPositions,
  packPositions,
  positionsOnTimescale,
  positionsPolicies,
} from './positions-lifecycle.js';
export type { PositionsLifecycle, PositionsPolicies } from './positions-lifecycle.js';
