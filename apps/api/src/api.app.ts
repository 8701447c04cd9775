import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Clock } from '#app/calendar';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { ApiModule } from './api.module.js';

/** Builds the HTTP app (routes under /api, validation, OpenAPI at /api/docs) without listening. */
export async function createApiApp(
  config: AppConfig,
  infra: Infrastructure,
  options: { clock?: Clock } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(ApiModule.register(config, infra, options.clock), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
  });
  app.setGlobalPrefix('api', { exclude: ['/', 'dashboard', 'assets/:name'] }); // the dashboard page lives at the root
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Official-car oversight service')
      .setDescription('Registry, live fleet, findings, payment gate, audits, cases and purchase approval.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  return app;
}

export async function startApi(config: AppConfig, infra: Infrastructure): Promise<StartedApp> {
  const app = await createApiApp(config, infra);
  await app.listen(config.port);
  const address = app.getHttpServer().address() as { port: number } | null;
  return {
    name: 'api',
    lines: [`dashboard: http://localhost:${address?.port ?? config.port}/`],
    close: () => app.close(),
  };
}
startApi.http = true;
