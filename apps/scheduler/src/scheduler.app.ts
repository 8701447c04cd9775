import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { SchedulerModule, type SchedulerOptions } from './scheduler.module.js';

export async function startScheduler(
  config: AppConfig,
  infra: Infrastructure,
  options: SchedulerOptions = {},
): Promise<StartedApp> {
  const app = await NestFactory.createApplicationContext(SchedulerModule.register(config, infra, options), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
  });
  await app.init();
  return { name: 'scheduler', close: () => app.close() };
}
