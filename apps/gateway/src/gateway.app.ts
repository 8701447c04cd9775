import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { GatewayModule } from './gateway.module.js';

export async function startGateway(config: AppConfig, infra: Infrastructure): Promise<StartedApp> {
  const app = await NestFactory.createApplicationContext(GatewayModule.register(config, infra), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
  });
  await app.init();
  return { name: 'gateway', close: () => app.close() };
}
