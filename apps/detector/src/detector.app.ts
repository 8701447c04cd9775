import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { DetectorModule } from './detector.module.js';

export async function startDetector(config: AppConfig, infra: Infrastructure): Promise<StartedApp> {
  const app = await NestFactory.createApplicationContext(DetectorModule.register(config, infra), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
  });
  await app.init();
  return { name: 'detector', close: () => app.close() };
}
