import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Clock } from '#app/calendar';
import type { AppConfig } from '#app/config';
import type { Infrastructure, StartedApp } from '#app/infra';
import { NestPinoLogger } from '#app/logging';
import { ApiModule } from './api.module.js';
import { bodyErrors } from './common/body-errors.js';
import { TextGuardPipe } from './common/text-guard.pipe.js';
import { httpMetrics } from './metrics/http-metrics.js';
import { buildApiDocument, serveDocumentAlsoAt } from './openapi/document.js';

/** Builds the HTTP app (routes under /api, validation, OpenAPI at /api/docs) without listening. */
export async function createApiApp(
  config: AppConfig,
  infra: Infrastructure,
  options: { clock?: Clock } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.register(config, infra, options.clock), {
    logger: config.logLevel === 'silent' ? false : new NestPinoLogger(),
    bodyParser: false,
  });
  app.use(httpMetrics()); // first, so that every answer is timed, refused bodies included
  // Bodies over the limit answer 413 naming it, unreadable ones 400, both as JSON like every other error.
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.useBodyParser('urlencoded', { limit: config.bodyLimitBytes, extended: true });
  app.use(bodyErrors(config.bodyLimitBytes));
  // The dashboard page lives at the root; /metrics is where Prometheus looks by default.
  app.setGlobalPrefix('api', { exclude: ['/', 'dashboard', 'assets/:name', 'metrics'] });
  app.useGlobalPipes(
    new TextGuardPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  const document = buildApiDocument(app);
  describeRoles(document);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  serveDocumentAlsoAt(app, document, '/api/docs-json'); // where NestJS tools look for it by default
  return app;
}

/** Each operation's description ends with the roles that may call it, as the role table gives them. */
type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;

function describeRoles(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = path[method] as (OperationObject & { 'x-roles'?: string[]; 'x-duty'?: string }) | undefined;
      if (!operation) continue;
      const who = operation['x-roles']
        ? `Roles: ${operation['x-roles'].join(', ')} (duty \`${operation['x-duty']}\` in docs/roles.md).`
        : operation.security?.some((scheme) => 'metricsToken' in scheme)
          ? 'Only `Authorization: Bearer <METRICS_TOKEN>`: no user token or API key passes.'
          : operation.security?.length === 0 || !operation['x-duty']
            ? 'Open: no sign-in needed.'
            : '';
      operation.description = [operation.description, who].filter(Boolean).join('\n\n');
    }
  }
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
