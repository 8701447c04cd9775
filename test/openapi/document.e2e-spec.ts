import type { OpenAPIObject } from '@nestjs/swagger';
import { finishDocument, handlersOf, rawApiDocument } from '../../apps/api/src/openapi/document.js';
import type request from 'supertest';
import { answerChecker } from '../support/openapi-check.js';
import { startTestApi, type TestApi } from '../support/test-app.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(document: OpenAPIObject): Array<{ method: string; path: string; op: Json }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((method) => ({ method, path, op: (item as Json)[method] as Json })),
  );
}

describe('the OpenAPI document', () => {
  let api: TestApi;
  let document: OpenAPIObject;

  beforeAll(async () => {
    api = await startTestApi();
    document = (await api.http.get('/api/docs/openapi.json').expect(200)).body as OpenAPIObject;
  });
  afterAll(() => api.close());

  it('knows every route of the app: a route missing from the operations table is named here', () => {
    const { undocumented } = finishDocument(rawApiDocument(api.app), handlersOf(api.app));
    expect(undocumented).toEqual([]);
    expect(operations(document).length).toBeGreaterThanOrEqual(87);
  });

  it('is served the same at /api/docs-json, where NestJS tools look for it', async () => {
    const res = await api.http
      .get('/api/docs-json')
      .expect(200)
      .expect('Content-Type', /application\/json/);
    expect(res.body).toEqual(document);
  });

  it('gives every operation a summary, a unique meaningful operationId and a success answer with a schema', () => {
    const ids = new Set<string>();
    for (const { method, path, op } of operations(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect([where, typeof op.summary === 'string' && op.summary.length > 0]).toEqual([where, true]);
      expect([where, op.operationId]).toEqual([where, expect.stringMatching(/^[a-z][A-Za-z]+$/)]);
      expect([where, ids.has(op.operationId)]).toEqual([where, false]);
      ids.add(op.operationId);
      const success = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      expect([where, success.length]).toEqual([where, 1]);
      const answer = op.responses[success[0]] as Json;
      if (success[0] !== '204')
        expect([where, (Object.values(answer.content ?? {}) as Json[])[0]?.schema]).toEqual([
          where,
          expect.any(Object),
        ]);
      for (const [status, response] of Object.entries(op.responses as Json)) {
        expect([where, status, (response as Json).description?.length > 0]).toEqual([where, status, true]);
      }
    }
    expect(ids).toEqual(expect.objectContaining({ size: operations(document).length }));
    expect(ids.has('listVehicles') && ids.has('checkPayment') && ids.has('createToken')).toBe(true);
  });

  it('lists 401 and 403 on every signed-in operation, 400 where it takes input, all with the shared error body', () => {
    for (const { method, path, op } of operations(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      const errors = Object.entries(op.responses as Json).filter(([s]) => Number(s) >= 400 && s !== '431');
      for (const [status, response] of errors) {
        const schema = (response as Json).content['application/json'].schema.$ref as string;
        expect([where, status, schema]).toEqual([
          where,
          status,
          expect.stringMatching(/ErrorBody|Conflict|HealthDown|Readiness/),
        ]);
      }
      const statuses = errors.map(([s]) => s);
      // A user's token or API key may lack the role (403); the metrics token has no roles to lack.
      const schemes = ((op.security ?? []) as Json[]).flatMap((scheme) => Object.keys(scheme));
      if (schemes.includes('bearer'))
        expect([where, statuses]).toEqual([where, expect.arrayContaining(['401', '403'])]);
      if (schemes.includes('metricsToken')) expect([where, statuses]).toEqual([where, ['401', '404']]);
      if (op.requestBody) expect([where, statuses]).toEqual([where, expect.arrayContaining(['400'])]);
    }
    const error = (document.components!.schemas as Json).ErrorBody;
    expect(error.required).toEqual(['statusCode', 'message']);
    expect(error.properties.message.oneOf).toEqual([
      { type: 'string' },
      { type: 'array', items: { type: 'string' }, minItems: 1 },
    ]);
    expect(Object.keys(document.paths['/api/v1/auth/token'].post!.responses)).toEqual([
      '200',
      '400',
      '401',
      '413',
      '429',
    ]);
  });

  it('says what the validators enforce: uuid path ids, no unknown properties, integer bounds, nullability', () => {
    const schemas = document.components!.schemas as Json;
    for (const { method, path, op } of operations(document)) {
      for (const p of (op.parameters ?? []) as Json[]) {
        if (p.in === 'path' && /^(id|caseId|fileId|itemId)$/.test(p.name) && !path.startsWith('/api/v1/terminals')) {
          expect([method, path, p.name, p.schema.format]).toEqual([method, path, p.name, 'uuid']);
        }
      }
      const body = op.requestBody?.content?.['application/json']?.schema?.$ref as string | undefined;
      if (body) {
        const name = body.split('/').pop()!;
        expect([name, schemas[name].additionalProperties]).toEqual([name, false]);
      }
    }
    const list = document.paths['/api/v1/vehicles'].get!.parameters as Json[];
    expect(list.find((p) => p.name === 'pageSize')!.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 500,
    });
    expect(list.find((p) => p.name === 'page')!.schema).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schemas.CreateUnitDto.properties.vehicleQuota.type).toBe('integer');
    expect(schemas.CreateVehicleDto.properties.commissionedOn).toMatchObject({ format: 'date', nullable: true });
    expect(schemas.BindTerminalDto.properties.terminalId.pattern).toBe('^[A-Za-z0-9_-]{1,32}$');
    expect(schemas.CreateUnitDto.properties.name).toMatchObject({ minLength: 1, maxLength: 100 });
    expect(schemas.CreateDispatchOrderDto.properties.vehicleId.format).toBe('uuid');
    expect(schemas.CreateDispatchOrderDto.properties.startTime.format).toBe('date-time');
    const checks = document.paths['/api/v1/payment-gate/checks'].get!.parameters as Json[];
    expect(checks.find((p) => p.name === 'from')!.schema.format).toBe('date');
    expect(schemas.CheckRequestDto.properties.amount.pattern).toBeDefined();
    expect(schemas.CheckResponse.properties.vehicle.nullable).toBe(true);
    const year = (document.paths['/api/v1/calendar/{year}'].get!.parameters as Json[])[0];
    expect(year.schema).toEqual({ type: 'integer', minimum: 2000, maximum: 2100 });
    expect(document.servers!.map((s) => s.url)).toContain('/');
  });

  it('shows examples on the contract endpoints: tokens, registry, payment gate and evidence files', () => {
    const example = (path: string, method: string, where: 'request' | 'response') => {
      const op = (document.paths[path] as Json)[method] as Json;
      if (where === 'request') return op.requestBody.content['application/json'].example;
      const [status] = Object.keys(op.responses).filter((s) => s.startsWith('2'));
      return op.responses[status].content['application/json'].example;
    };
    expect(example('/api/v1/auth/token', 'post', 'request')).toHaveProperty('username');
    expect(example('/api/v1/auth/token', 'post', 'response')).toHaveProperty('accessToken');
    expect(example('/api/v1/payment-gate/checks', 'post', 'request')).toMatchObject({ plateNumber: '苏N·A1234' });
    expect(example('/api/v1/payment-gate/checks', 'post', 'response')).toMatchObject({ decision: 'deny' });
    expect(example('/api/v1/vehicles', 'post', 'request')).toMatchObject({ category: 'general' });
    expect(example('/api/v1/units', 'post', 'request')).toMatchObject({ vehicleQuota: 6 });
    expect(example('/api/v1/terminals', 'post', 'response')).toHaveProperty('secret');
    expect(example('/api/v1/cases/{caseId}/files', 'post', 'response')).toHaveProperty('sha256');
  });

  it('documents the GeoJSON form of the live fleet besides the plain view', () => {
    const live = (document.components!.schemas as Json).FleetLive;
    expect(Object.keys(live.properties)).toEqual(expect.arrayContaining(['vehicles', 'type', 'features']));
    const format = (document.paths['/api/v1/fleet/live'].get!.parameters as Json[]).find((p) => p.name === 'format');
    expect(format!.schema.enum).toContain('geojson');
  });

  it('lets the end-to-end tests fail on an answer that drifts: an unlisted status, a missing field, a wrong type', () => {
    const check = answerChecker(document);
    const answer = (status: number, body: unknown) =>
      ({ status, body, headers: { 'content-type': 'application/json; charset=utf-8' } }) as unknown as request.Response;
    const unit = {
      id: '0f6a4a8e-52d4-4c1b-8d6e-3c2b1a9f7e10',
      name: '区财政局',
      vehicleQuota: 6,
      vehicleCount: 0,
      createdAt: '2026-11-26T02:00:00.000Z',
    };
    expect(() => check('get', '/api/v1/units/{id}', answer(200, unit))).not.toThrow();
    expect(() => check('get', '/api/v1/units/{id}', answer(200, { ...unit, vehicleQuota: undefined }))).toThrow(
      /getUnit.*vehicleQuota/,
    );
    expect(() => check('get', '/api/v1/units/{id}', answer(200, { ...unit, vehicleQuota: 1.5 }))).toThrow(
      /vehicleQuota must be integer/,
    );
    expect(() => check('get', '/api/v1/units/{id}', answer(500, { statusCode: 500, message: 'x' }))).toThrow(
      /answered 500, which the OpenAPI document does not list/,
    );
    expect(() => check('get', '/api/v1/units/{id}', answer(404, { statusCode: 404, error: 'Not Found' }))).toThrow(
      /message/,
    );
    expect(() =>
      check('post', '/api/v1/vehicles', answer(400, { statusCode: 400, error: 'Bad Request', message: ['x'] })),
    ).not.toThrow();
  });
});
