import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { GatewayModule } from './gateway.module.js';

/** The gateway's Nest context, started (connected to the broker); tests reach its services through it. */
export async function createGatewayContext(config: AppConfig, infra: Infrastructure): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(GatewayModule.register(config, infra), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
  });
  await app.init();
  return app;
}

export async function startGateway(config: AppConfig, infra: Infrastructure): Promise<StartedApp> {
  const app = await createGatewayContext(config, infra);
  return { name: 'gateway', close: () => app.close() };
}
startGateway.jt808 = true;
