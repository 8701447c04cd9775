import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

let root: Logger | undefined;

/** The process-wide structured logger; the first call fixes the level. */
export function rootLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  root ??= pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  return root;
}

const STARTUP_CHATTER = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Routes Nest's own log lines into the structured log. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger = rootLogger()) {}

  log(message: unknown, context?: string): void {
    // Nest's start-up chatter (every module, route and mapping: a hundred lines) would bury the lines that say
    // where the service is; it stays available at debug.
    if (context !== undefined && STARTUP_CHATTER.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    // The four apps of the embedded default are separate Nest contexts with one data source each; the
    // TypeORM module's process-wide name registry mistakes that for a double registration.
    if (context === 'DataSourceNameRegistry') return;
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
