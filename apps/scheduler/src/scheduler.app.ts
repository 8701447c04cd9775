import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { databaseCheck, watchDependency } from '#app/metrics';
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
  // Ready while its database answers: the scheduler uses no broker.
  const unwatch = watchDependency('scheduler', 'database', databaseCheck(app.get(DataSource)));
  return {
    name: 'scheduler',
    close: () => {
      unwatch();
      return app.close();
    },
  };
}
