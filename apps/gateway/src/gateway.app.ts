import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { databaseCheck, watchDependency } from '#app/metrics';
import { GatewayModule } from './gateway.module.js';
import { IngestService } from './ingest/ingest.service.js';

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
  const ingest = app.get(IngestService);
  // Ready while it can store what it reads (its database) and read at all (its broker connection).
  const unwatch = [
    watchDependency('gateway', 'database', databaseCheck(app.get(DataSource))),
    watchDependency('gateway', 'broker', () => ingest.brokerClient?.connected === true),
  ];
  return {
    name: 'gateway',
    close: () => {
      for (const stop of unwatch) stop();
      return app.close();
    },
  };
}
startGateway.jt808 = true;
