export { loadConfig, ConfigError, TILE_SYSTEMS } from './config.js';
export type { AppConfig, MapSettings, TileSystem } from './config.js';
export { ConfigModule, APP_CONFIG } from './config.module.js';
