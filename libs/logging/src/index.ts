export { rootLogger, NestPinoLogger } from './logger.js';
export type { Logger } from './logger.js';
export { announce, announceBlock, announceLater, flushAnnouncements } from './announce.js';
