import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule } from '@nestjs/swagger';
import type { Clock } from '#app/calendar';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { ApiModule } from './api.module.js';
import { buildApiDocument, serveDocumentAlsoAt } from './openapi/document.js';

/** Builds the HTTP app (routes under /api, validation, OpenAPI at /api/docs) without listening. */
export async function createApiApp(
  config: AppConfig,
  infra: Infrastructure,
  options: { clock?: Clock } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create(ApiModule.register(config, infra, options.clock), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
  });
  app.setGlobalPrefix('api', { exclude: ['/', 'dashboard'] }); // the dashboard page lives at the root
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  const document = buildApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  serveDocumentAlsoAt(app, document, '/api/docs-json'); // where NestJS tools look for it by default
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
