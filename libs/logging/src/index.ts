export { rootLogger, NestPinoLogger } from './logger.js';
export type { Logger } from './logger.js';
