import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import type request from 'supertest';
import type { OpenAPIObject } from '@nestjs/swagger';

type Agent = ReturnType<typeof request>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

interface Route {
  template: string;
  pattern: RegExp;
}

/** Path templates of the document, those with fewer parameters first (…/checks before …/{id}). */
function routesOf(document: OpenAPIObject): Route[] {
  return Object.keys(document.paths)
    .map((template) => ({ template, pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`) }))
    .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
}

/**
 * Checks an answer against the document: its status must be listed for the operation, and a JSON body must
 * fit the listed schema. Throws an error naming the operation, the status and what does not fit.
 */
export function answerChecker(document: OpenAPIObject) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its plugin is the default export's `default`.
  const addFormats = (formats as unknown as { default: typeof formats.default }).default;
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi');
  const compiled = new Map<string, ValidateFunction>();
  const schemaFor = (key: string, schema: Json): ValidateFunction => {
    const known = compiled.get(key);
    if (known) return known;
    const validate = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')),
    );
    compiled.set(key, validate);
    return validate;
  };

  return (method: string, template: string, res: request.Response): void => {
    const operation = (document.paths[template] as Json)?.[method] as Json | undefined;
    if (!operation) return; // a method the route does not have: Nest's own 404, nothing the document promises
    // Node's HTTP server refuses headers over its 16 KiB limit before the app sees the request: a 431 with no
    // body. The document lists it where a long query reaches it; long headers can bring it to any operation.
    if (res.status === 431) return;
    const where = `${method.toUpperCase()} ${template} (${operation.operationId})`;
    const answer = operation.responses[String(res.status)] as Json | undefined;
    if (!answer) {
      throw new Error(
        `${where} answered ${res.status}, which the OpenAPI document does not list (it lists ${Object.keys(operation.responses).join(', ')}): ${JSON.stringify(res.body).slice(0, 300)}`,
      );
    }
    const json = answer.content?.['application/json'] as Json | undefined;
    if (!json || !/json/.test(String(res.headers['content-type'] ?? ''))) return;
    const validate = schemaFor(`${where} ${res.status}`, json.schema as Json);
    if (!validate(res.body)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}`).slice(0, 8);
      throw new Error(
        `${where} answered ${res.status} with a body the OpenAPI document does not allow: ${problems.join('; ')}\nbody: ${JSON.stringify(res.body).slice(0, 600)}`,
      );
    }
  };
}

/** Wraps a supertest agent so every answer is checked by `check` before the test's own expectations. */
export function checkedAgent(
  http: Agent,
  document: OpenAPIObject,
  check: (method: string, template: string, res: request.Response) => void,
): Agent {
  const routes = routesOf(document);
  return new Proxy(http, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === 'string' && METHODS.has(prop) && typeof value === 'function') {
        return (url: string, ...rest: unknown[]) => {
          const test = (value as (...a: unknown[]) => request.Test).call(target, url, ...rest);
          const path = url.split('?')[0];
          const template = routes.find((r) => r.pattern.test(path))?.template;
          return template ? test.expect((res: request.Response) => check(prop, template, res)) : test;
        };
      }
      return value;
    },
  });
}

export interface FetchedAnswer {
  status: number;
  headers: Headers;
  // The answers' shapes are the document's; tests read a field or two of each.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * `fetch` for a service the test started as a process of its own: the document is read from that service
 * (/api/docs-json) and every answer is checked against it like the in-process tests' answers.
 */
const documents = new Map<string, Promise<OpenAPIObject>>();

export async function checkedFetch(
  base: string,
): Promise<(path: string, init?: RequestInit) => Promise<FetchedAnswer>> {
  let fetched = documents.get(base);
  if (!fetched) {
    fetched = fetch(`${base}/api/docs-json`).then((r) => r.json() as Promise<OpenAPIObject>);
    documents.set(base, fetched);
  }
  const document = await fetched;
  const check = answerChecker(document);
  const routes = routesOf(document);
  return async (path, init = {}) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const body: unknown = text && /json/.test(contentType) ? JSON.parse(text) : text;
    const template = routes.find((r) => r.pattern.test(path.split('?')[0]))?.template;
    if (template) {
      const method = (init.method ?? 'GET').toLowerCase();
      check(method, template, { status: res.status, headers: { 'content-type': contentType }, body } as never);
    }
    return { status: res.status, headers: res.headers, body };
  };
}

/** A JSON call to such a service, with an optional bearer; an empty answer body reads as null. */
export async function checkedJsonCall(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  bearer?: string,
): Promise<FetchedAnswer> {
  const res = await (
    await checkedFetch(base)
  )(path, {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { ...res, body: res.body === '' ? null : res.body };
}
