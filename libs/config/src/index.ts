export { loadConfig, ConfigError, TILE_SYSTEMS } from './config.js';
export type { AppConfig, MapSettings, NotificationSettings, TileSystem } from './config.js';
export { ConfigModule, APP_CONFIG } from './config.module.js';
