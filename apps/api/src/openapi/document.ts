import 'reflect-metadata';
import {
  ParseIntPipe,
  ParseUUIDPipe,
  RequestMethod,
  type INestApplication,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ERROR_DESCRIPTIONS, ERROR_SCHEMAS, errorSchemaFor } from './errors.js';
import { OPERATIONS, type OperationDoc } from './operations.js';
import { BODY_PATCHES, PATH_PARAMETERS, RESPONSE_SCHEMAS } from './responses.js';
import {
  applyRules,
  isOptional,
  rulesOf,
  validatedClasses,
  type DtoClass,
  type PropertySchema,
} from './validation-rules.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const documents = new WeakMap<INestApplication, OpenAPIObject>();
const QUERY = 4;
const PARAM = 5;

/** What one route handler takes, found from Nest's own route metadata. */
interface Handler {
  query?: DtoClass;
  pathPipes: Map<string, unknown[]>;
}

/** The OpenAPI document of the REST API: built from the controllers, finished by this folder's tables. */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const { document } = finishDocument(rawApiDocument(app), handlersOf(app));
  documents.set(app, document);
  return document;
}

/** The document as NestJS builds it from the controllers' decorators, before this folder's tables. */
export function rawApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Official-car oversight service')
      .setDescription(
        'Registry, live fleet, findings, payment gate, audits, cases and purchase approval. Every call but ' +
          'the health probes (`GET /api/health`, `/api/health/live`, `/api/health/ready`), `POST /api/v1/auth/token` ' +
          'and `GET /metrics` (its own `METRICS_TOKEN`) needs `Authorization: Bearer <token or API key>`. ' +
          'Errors are `{"statusCode", "error", "message"}`, where `message` is a sentence or a list naming each bad field.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'the METRICS_TOKEN setting, for Prometheus' },
        'metricsToken',
      )
      .addServer('/', 'the service that serves this document (paths start with /api)')
      .build(),
  );
}

/** The document built for this app by buildApiDocument (tests check answers against it). */
export function apiDocumentOf(app: INestApplication): OpenAPIObject {
  const document = documents.get(app);
  if (!document) throw new Error('the OpenAPI document was not built for this app');
  return document;
}

/** Answers the same JSON at a second address (the platform's own router, so no controller route is added). */
export function serveDocumentAlsoAt(app: INestApplication, document: OpenAPIObject, path: string): void {
  const body = JSON.stringify(document);
  const http = app.getHttpAdapter();
  http.get(path, (_req: unknown, res: unknown) => {
    http.setHeader(res, 'Content-Type', 'application/json; charset=utf-8');
    http.reply(res, body, 200);
  });
}

/** Routes of the app (`get /api/v1/vehicles/{id}`) with the query DTO and path pipes of their handlers. */
export function handlersOf(app: INestApplication): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const base = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat() as string[];
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const fn = controller.prototype[name] as unknown;
        if (typeof fn !== 'function' || Reflect.getMetadata(METHOD_METADATA, fn) === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod].toLowerCase();
        const own = [Reflect.getMetadata(PATH_METADATA, fn) ?? ''].flat() as string[];
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
          string,
          { index: number; data?: unknown; pipes?: unknown[] }
        >;
        const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? []) as DtoClass[];
        const handler: Handler = { pathPipes: new Map() };
        for (const [key, arg] of Object.entries(args)) {
          const kind = Number(key.split(':')[0]);
          if (kind === QUERY && arg.data === undefined) handler.query = types[arg.index];
          if (kind === PARAM && typeof arg.data === 'string') handler.pathPipes.set(arg.data, arg.pipes ?? []);
        }
        for (const b of base) {
          for (const o of own) {
            const path = `/api/${b}/${o}`
              .replace(/\/+/g, '/')
              .replace(/\/$/, '')
              .replace(/:(\w+)/g, '{$1}');
            handlers.set(`${method} ${path}`, handler);
          }
        }
      }
    }
  }
  return handlers;
}

const isPipe = (pipes: unknown[], kind: Type<PipeTransform>) =>
  pipes.some((p) => p === kind || p instanceof (kind as unknown as new () => unknown));

/**
 * Finishes the generated document: the table's ids, summaries and answers, the shared error body, and the
 * rules the validators enforce. Returns the operations the table does not know (a test keeps this empty).
 */
export function finishDocument(
  raw: OpenAPIObject,
  handlers: Map<string, Handler>,
): { document: OpenAPIObject; undocumented: string[] } {
  const document = structuredClone(raw) as Json;
  const undocumented: string[] = [];
  const schemas: Json = (document.components.schemas ??= {});
  Object.assign(schemas, ERROR_SCHEMAS, RESPONSE_SCHEMAS);
  strictRequestBodies(document);

  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json) as [string, Json][]) {
      const doc = OPERATIONS[operation.operationId as string];
      if (!doc) {
        undocumented.push(`${operation.operationId} (${method.toUpperCase()} ${path})`);
        continue;
      }
      finishParameters(operation, handlers.get(`${method} ${path}`));
      operation.operationId = doc.operationId;
      operation.summary = doc.summary;
      if (doc.description) operation.description = doc.description;
      const json = operation.requestBody?.content?.['application/json'];
      if (json && doc.requestExample !== undefined) json.example = doc.requestExample;
      operation.responses = responsesOf(operation, doc);
      operation.security ??= []; // open to all: said outright, not left to a default
    }
  }
  document.info.license = { name: 'Proprietary: for the district and the systems it connects' };
  dropUnusedSchemas(document);
  return { document: document as OpenAPIObject, undocumented };
}

function finishParameters(operation: Json, handler: Handler | undefined): void {
  const rules = handler?.query ? rulesOf(handler.query) : undefined;
  for (const parameter of (operation.parameters ?? []) as Json[]) {
    parameter.schema ??= {};
    if (parameter.in === 'path') {
      const pipes = handler?.pathPipes.get(parameter.name) ?? [];
      if (isPipe(pipes, ParseUUIDPipe)) parameter.schema = { type: 'string', format: 'uuid' };
      if (isPipe(pipes, ParseIntPipe)) parameter.schema = { type: 'integer' };
      const known = PATH_PARAMETERS[`${operation.operationId}.${parameter.name}`] ?? PATH_PARAMETERS[parameter.name];
      if (known) Object.assign(parameter.schema, known);
    }
    if (parameter.in === 'query' && rules?.has(parameter.name)) {
      applyRules(parameter.schema as PropertySchema, rules.get(parameter.name)!);
    }
  }
}

function responsesOf(operation: Json, doc: OperationDoc): Json {
  const given = (operation.responses ?? {}) as Json;
  const status = String(doc.status ?? 200);
  const responses: Json = {};
  const success: Json = { description: given[status]?.description || successDescription(doc) };
  if (doc.media) {
    success.description = doc.media.description;
    success.content = Object.fromEntries(
      [doc.media.type]
        .flat()
        .map((type) => [
          type,
          { schema: type.startsWith('text/') ? { type: 'string' } : { type: 'string', format: 'binary' } },
        ]),
    );
  } else if (doc.response) {
    const ref = { $ref: `#/components/schemas/${doc.response}` };
    const media: Json = { schema: doc.list ? { type: 'array', items: ref } : ref };
    if (doc.responseExample !== undefined) media.example = doc.responseExample;
    success.content = { 'application/json': media };
  }
  responses[status] = success;

  const errors = new Set<number>(doc.errors ?? []);
  const signedIn = Array.isArray(operation.security) && operation.security.length > 0;
  if (signedIn) errors.add(401).add(403);
  const parameters = (operation.parameters ?? []) as Json[];
  if (operation.requestBody || parameters.length > 0) errors.add(400);
  if (operation.requestBody) errors.add(413); // a body over BODY_LIMIT_BYTES (or EVIDENCE_MAX_BYTES for files)
  if (parameters.some((p) => p.in === 'path')) errors.add(404);
  for (const never of doc.never ?? []) errors.delete(never);
  for (const code of [...errors].sort()) {
    const key = String(code);
    responses[key] = {
      description: given[key]?.description || ERROR_DESCRIPTIONS[code] || 'refused',
      content: { 'application/json': { schema: errorSchemaFor(doc.operationId, code) } },
    };
  }
  if (parameters.some((p) => p.in === 'query')) {
    // Node's HTTP server answers this itself, before the service sees the request.
    responses['431'] = { description: 'the URL and headers together exceed 16 KiB; answered with no body' };
  }
  return responses;
}

function successDescription(doc: OperationDoc): string {
  if (!doc.response && !doc.media) return 'done; no body';
  return doc.list ? `a list of ${doc.response}` : (doc.response ?? 'the answer');
}

/**
 * The global ValidationPipe refuses unknown properties (forbidNonWhitelisted) and lets `null` through an
 * `@IsOptional()` property: every validated request schema says both, with the validators' own rules.
 */
function strictRequestBodies(document: Json): void {
  const classes = validatedClasses();
  const schemas = document.components.schemas as Json;
  for (const [name, schema] of Object.entries(schemas) as [string, Json][]) {
    const patch = BODY_PATCHES[name];
    if (patch) {
      schema.additionalProperties = false;
      for (const [property, extra] of Object.entries(patch)) Object.assign(schema.properties[property] ?? {}, extra);
    }
    const dto = classes.get(name);
    if (!dto || schema.type !== 'object') continue;
    schema.additionalProperties = false;
    for (const [property, rules] of rulesOf(dto)) {
      const target = (schema.properties ??= {})[property] as Json | undefined;
      if (!target) continue;
      applyRules(target, rules);
      if (isOptional(rules) && !target.$ref) {
        target.nullable = true;
        // A described nested DTO is `allOf: [$ref]`, which `nullable` may not stand beside without a type.
        if (target.allOf) target.type ??= 'object';
      }
    }
  }
}

/** Schemas of response classes that the table replaced are no longer referenced: they would only mislead. */
function dropUnusedSchemas(document: Json): void {
  const schemas = document.components.schemas as Json;
  for (;;) {
    const text = JSON.stringify({ paths: document.paths, schemas });
    const unused = Object.keys(schemas).filter(
      (name) => !text.includes(`"#/components/schemas/${name}"`) && !(name in ERROR_SCHEMAS),
    );
    if (unused.length === 0) return;
    for (const name of unused) delete schemas[name];
  }
}
