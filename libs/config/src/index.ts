export { loadConfig, ConfigError } from './config.js';
export type { AppConfig } from './config.js';
export { ConfigModule, APP_CONFIG } from './config.module.js';
