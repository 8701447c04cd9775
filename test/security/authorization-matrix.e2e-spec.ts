import { createHmac } from 'node:crypto';
import { ROLES, type Role } from '#app/db';
import { INFRA, type Infrastructure } from '#app/infra';
import { startTestApi, type TestApi } from '../support/test-app.js';

/**
 * Authorization matrix: every route of the running application (read from its Express router, not from a
 * list kept by hand or from the OpenAPI document, which leaves routes out) is called with no credentials,
 * an expired token, a token signed with another key, a token with `alg: none`, a revoked API key, and a
 * token of each role. EXPECTED is the one table of what each route allows; a route missing from it (a new
 * one) or an entry without its route fails the test.
 *
 * - `open`: no credentials needed (health, sign-in, the dashboard page, the API description);
 * - `broker`: only the broker, with its shared secret in `x-broker-auth`: no bearer of any kind passes;
 * - `metrics`: only Prometheus, with the bearer METRICS_TOKEN: no user token or API key passes;
 * - a list of roles: those pass, every other role gets 403, every bad credential 401.
 * `ALL` stands for a route that answers every method; it is called with GET.
 */
type Expected = 'open' | 'broker' | 'metrics' | readonly Role[];
const EVERY_ROLE = ROLES;

const EXPECTED: Record<string, Expected> = {
  'GET /api/docs/swagger-ui-init.js': 'open',
  'GET /api/docs/docs/swagger-ui-init.js': 'open',
  'GET /api/docs': 'open',
  'GET /api/docs/index.html': 'open',
  'GET /api/docs/LICENSE': 'open',
  'GET /api/docs/': 'open',
  'GET /api/docs/openapi.json': 'open',
  'GET /api/docs-yaml': 'open',
  'GET /api/docs-json': 'open',
  'GET /api/health': 'open',
  'GET /api/health/live': 'open',
  'GET /api/health/ready': 'open',
  'ALL /metrics': 'metrics',
  'GET /api/v1/auth/me': EVERY_ROLE,
  'PUT /api/v1/auth/password': EVERY_ROLE,
  'POST /api/v1/auth/token': 'open',
  'POST /api/v1/api-keys': ['admin'],
  'GET /api/v1/api-keys': ['admin'],
  'DELETE /api/v1/api-keys/:id': ['admin'],
  'POST /api/v1/users': ['admin'],
  'GET /api/v1/users': ['admin'],
  'GET /api/v1/users/:id': ['admin'],
  'PATCH /api/v1/users/:id': ['admin'],
  'POST /api/v1/users/:id/password-reset': ['admin'],
  'POST /api/v1/broker/emqx/authenticate': 'broker',
  'POST /api/v1/broker/emqx/authorize': 'broker',
  'POST /api/v1/payment-gate/checks': ['finance'],
  'GET /api/v1/payment-gate/checks': ['centre', 'finance', 'inspector'],
  'GET /api/v1/cases': ['centre', 'inspector'],
  'GET /api/v1/cases/:id': ['centre', 'inspector'],
  'POST /api/v1/cases/:id/transitions': ['inspector'],
  'PUT /api/v1/cases/:id/assignee': ['inspector'],
  'POST /api/v1/cases/:id/attachments': ['inspector'],
  'GET /api/v1/cases/:id/attachments': ['centre', 'inspector'],
  'POST /api/v1/cases/:id/notes': ['inspector'],
  'POST /api/v1/cases/:caseId/files': ['inspector'],
  'GET /api/v1/cases/:caseId/files': ['centre', 'inspector'],
  'GET /api/v1/cases/:caseId/files/:fileId': ['centre', 'inspector'],
  'GET /api/v1/history/verify': ['admin', 'inspector'],
  'GET /api/v1/history/head': ['admin', 'inspector'],
  'GET /api/v1/history': ['inspector'],
  'POST /api/v1/vehicles/:vehicleId/commands': ['centre'],
  'GET /api/v1/vehicles/:vehicleId/commands': ['centre'],
  'GET /api/v1/terminal-commands/:id': ['centre'],
  'POST /api/v1/terminal-commands/:id/confirm': ['centre'],
  'GET /api/v1/fleet/live': ['admin', 'centre', 'inspector'],
  'GET /api/v1/fleet/stream': ['admin', 'centre', 'inspector'],
  'GET /api/v1/vehicles/:id/track': ['admin', 'centre', 'inspector'],
  'GET /api/v1/rejected-messages': ['admin', 'centre'],
  'GET /api/v1/audits': ['centre', 'inspector'],
  'GET /api/v1/audits/settings': ['centre', 'inspector'],
  'PUT /api/v1/audits/settings': ['admin'],
  'POST /api/v1/audits/draw': ['centre'],
  'GET /api/v1/audits/:week': ['centre', 'inspector'],
  'GET /api/v1/audits/:week/verify': ['centre', 'finance', 'inspector', 'unit', 'member'],
  'POST /api/v1/audits/:week/items/:itemId': ['inspector'],
  'POST /api/v1/purchase-requests': ['unit'],
  'GET /api/v1/purchase-requests': ['centre', 'inspector', 'unit', 'member'],
  'GET /api/v1/purchase-requests/standards': ['centre', 'inspector', 'unit', 'member'],
  'PUT /api/v1/purchase-requests/standards': ['admin'],
  'GET /api/v1/purchase-requests/:id': ['centre', 'inspector', 'unit', 'member'],
  'POST /api/v1/purchase-requests/:id/pre-review': ['centre'],
  'POST /api/v1/purchase-requests/:id/withdraw': ['unit'],
  'POST /api/v1/meetings': ['centre'],
  'GET /api/v1/meetings': ['centre', 'inspector', 'member'],
  'GET /api/v1/meetings/:id': ['centre', 'inspector', 'member'],
  'POST /api/v1/meetings/:id/agenda': ['centre'],
  'POST /api/v1/meetings/:id/attendance': ['centre'],
  'POST /api/v1/meetings/:id/items/:itemId/votes': ['member'],
  'POST /api/v1/meetings/:id/items/:itemId/decide': ['centre'],
  'POST /api/v1/meetings/:id/items/:itemId/withdraw': ['centre'],
  'POST /api/v1/meetings/:id/adjourn': ['centre'],
  'POST /api/v1/meetings/:id/cancel': ['centre'],
  'POST /api/v1/meetings/:id/minutes': ['centre'],
  'POST /api/v1/meetings/:id/close': ['centre'],
  'GET /api/v1/stats': ['centre', 'inspector'],
  'GET /api/v1/reports/activity': ['centre', 'inspector', 'unit'],
  'GET /api/v1/reports/weekly-audit': ['centre', 'inspector'],
  'GET /api/v1/reports/monthly-oversight': ['centre', 'inspector'],
  'POST /api/v1/report-jobs': ['centre', 'inspector', 'unit'],
  'GET /api/v1/report-jobs': ['centre', 'inspector', 'unit'],
  'GET /api/v1/report-jobs/:id': ['centre', 'inspector', 'unit'],
  'GET /api/v1/report-jobs/:id/file': ['centre', 'inspector', 'unit'],
  'POST /api/v1/units': ['admin', 'centre'],
  'GET /api/v1/units': ['admin', 'centre', 'finance', 'inspector'],
  'GET /api/v1/units/:id': ['admin', 'centre', 'finance', 'inspector'],
  'POST /api/v1/vehicles': ['admin', 'centre'],
  'GET /api/v1/vehicles': ['admin', 'centre', 'finance', 'inspector', 'unit'],
  'GET /api/v1/vehicles/:id': ['admin', 'centre', 'finance', 'inspector', 'unit'],
  'POST /api/v1/vehicles/:id/decommission': ['admin', 'centre'],
  'POST /api/v1/vehicles/:id/terminal': ['admin', 'centre'],
  'DELETE /api/v1/vehicles/:id/terminal': ['admin', 'centre'],
  'GET /api/v1/vehicles/:id/bindings': ['admin', 'centre', 'finance', 'inspector', 'unit'],
  'POST /api/v1/terminals': ['admin', 'centre'],
  'GET /api/v1/terminals': ['admin', 'centre', 'finance', 'inspector'],
  'GET /api/v1/terminals/:id': ['admin', 'centre', 'finance', 'inspector'],
  'POST /api/v1/terminals/:id/secret': ['admin', 'centre'],
  'PATCH /api/v1/terminals/:id': ['admin', 'centre'],
  'GET /api/v1/fences': ['admin', 'centre', 'inspector'],
  'GET /api/v1/fences/:id': ['admin', 'centre', 'inspector'],
  'POST /api/v1/fences': ['admin', 'centre'],
  'POST /api/v1/fences/import': ['admin', 'centre'],
  'PUT /api/v1/fences/:id': ['admin', 'centre'],
  'PATCH /api/v1/fences/:id': ['admin', 'centre'],
  'DELETE /api/v1/fences/:id': ['admin', 'centre'],
  'GET /api/v1/calendar/:year': EVERY_ROLE,
  'PUT /api/v1/calendar/:year': ['admin', 'centre'],
  'PUT /api/v1/calendar/:year/periods': ['admin', 'centre'],
  'PUT /api/v1/calendar/:year/holiday-cn': ['admin', 'centre'],
  'POST /api/v1/dispatch-orders': ['centre', 'unit'],
  'GET /api/v1/dispatch-orders': ['centre', 'inspector', 'unit'],
  'GET /api/v1/dispatch-orders/:id': ['centre', 'inspector', 'unit'],
  'POST /api/v1/dispatch-orders/:id/approve': ['centre'],
  'POST /api/v1/dispatch-orders/:id/reject': ['centre'],
  'POST /api/v1/dispatch-orders/:id/cancel': ['centre', 'unit'],
  'POST /api/v1/dispatch-orders/:id/end': ['centre', 'unit'],
  'GET /api/v1/violations': ['centre', 'inspector'],
  'GET /api/v1/violations/:id': ['centre', 'inspector'],
  'GET /api/v1/vehicles/:id/trips': ['centre', 'inspector'],
  'POST /api/v1/notifications/rules': ['admin', 'centre'],
  'GET /api/v1/notifications/rules': ['admin', 'centre', 'inspector'],
  'GET /api/v1/notifications/rules/:id': ['admin', 'centre', 'inspector'],
  'PUT /api/v1/notifications/rules/:id': ['admin', 'centre'],
  'DELETE /api/v1/notifications/rules/:id': ['admin', 'centre'],
  'POST /api/v1/notifications/webhooks': ['admin', 'centre'],
  'GET /api/v1/notifications/webhooks': ['admin', 'centre', 'inspector'],
  'PATCH /api/v1/notifications/webhooks/:id': ['admin', 'centre'],
  'POST /api/v1/notifications/webhooks/:id/secret': ['admin', 'centre'],
  'DELETE /api/v1/notifications/webhooks/:id': ['admin', 'centre'],
  'GET /api/v1/notifications/contacts': ['admin', 'centre', 'inspector'],
  'PUT /api/v1/notifications/contacts/:userId': ['admin', 'centre'],
  'GET /api/v1/notifications': ['admin', 'centre', 'inspector'],
  'GET /api/v1/notifications/dead-letters': ['admin', 'centre', 'inspector'],
  'POST /api/v1/notifications/dead-letters/:id/resend': ['admin', 'centre'],
  'ALL /': 'open',
  'ALL /dashboard': 'open',
  'ALL /assets/:name': 'open',
  // Whatever no other route answers: 404 for everyone, signed in or not.
  'ALL *path': 'open',
};

const UUID = '00000000-0000-4000-8000-000000000000';
/** Path parameters that are not ids; anything else gets a well-formed id nobody has. */
const PARAMS: Record<string, string> = { year: '2031', week: '2026-W01' };

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: RouteLayer[] };
}

/** Every route the Express router of the running app answers, as `METHOD /path` (Express path syntax). */
function routesOf(api: TestApi): string[] {
  const express = api.app.getHttpAdapter().getInstance() as {
    router?: { stack: RouteLayer[] };
    _router?: { stack: RouteLayer[] };
  };
  const stack = (express.router ?? express._router)!.stack;
  const byPath = new Map<string, Set<string>>();
  const walk = (layers: RouteLayer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        const methods = byPath.get(layer.route.path) ?? new Set<string>();
        // Express names a route for every method `_all`.
        for (const m of Object.keys(layer.route.methods)) methods.add(m === '_all' ? 'ALL' : m.toUpperCase());
        byPath.set(layer.route.path, methods);
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk(stack);
  // A path that answers (nearly) every method is one entry, ALL.
  return [...byPath].flatMap(([path, methods]) =>
    methods.has('ALL') || methods.size > 5 ? [`ALL ${path}`] : [...methods].map((m) => `${m} ${path}`),
  );
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function signed(header: object, payload: object, key: string | null): string {
  const body = `${b64url(header)}.${b64url(payload)}`;
  if (key === null) return `${body}.`;
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

type Outcome = 'passes' | 'refused' | 'unauthenticated' | 'broker-only' | 'metrics-only';

/** A route only a machine's own secret opens: any bearer of a user or API key is refused (4xx). */
function machineOnly(rule: Expected, res: { status: number }): Outcome | undefined {
  if (rule !== 'broker' && rule !== 'metrics') return undefined;
  return res.status >= 400 ? `${rule}-only` : 'passes';
}

function outcome(res: { status: number; body: { message?: unknown } }): Outcome {
  if (res.status === 401) return 'unauthenticated';
  if (res.status === 403 && /requires one of the roles|no role may call/.test(String(res.body?.message)))
    return 'refused';
  return 'passes';
}

describe('authorization matrix over every route of the running app', () => {
  let api: TestApi;
  let routes: string[];
  const tokens = new Map<Role, string>();
  const bad = new Map<string, string | null>();

  const call = (key: string, bearer: string | null) => {
    const [method, path] = key.split(' ');
    const url = path.replace('*path', '/no-such-route').replace(/:(\w+)/g, (_, name: string) => PARAMS[name] ?? UUID);
    const verb = (method === 'ALL' ? 'get' : method.toLowerCase()) as 'get';
    let req = api.http[verb](url);
    if (bearer !== null) req = req.set('Authorization', `Bearer ${bearer}`);
    return method === 'GET' || method === 'ALL' ? req : req.send({});
  };

  beforeAll(async () => {
    // With the token set, so that the metrics route exists and shows whom it refuses.
    api = await startTestApi({ METRICS_TOKEN: 'metrics-token-for-the-authorization-matrix' });
    for (const role of ROLES) tokens.set(role, await api.tokenFor([role]));
    const secret = api.app.get<Infrastructure>(INFRA).jwtSecret;
    const [, payloadPart] = tokens.get('admin')!.split('.');
    const claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    bad.set('no token', null);
    bad.set(
      'expired token',
      signed({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }, secret),
    );
    bad.set('token signed with another key', signed({ alg: 'HS256', typ: 'JWT' }, claims, 'another-key-'.repeat(4)));
    bad.set('alg none', signed({ alg: 'none', typ: 'JWT' }, claims, null));
    const admin = tokens.get('admin')!;
    const key = await api.http
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'to-be-revoked', roles: [...ROLES] })
      .expect(201);
    await api.http.delete(`/api/v1/api-keys/${key.body.id}`).set('Authorization', `Bearer ${admin}`).expect(204);
    bad.set('revoked API key', key.body.key as string);
    routes = routesOf(api);
  });
  afterAll(() => api.close());

  it('has exactly one entry per route: a new route without an entry fails, as does an entry without its route', () => {
    expect(routes.length).toBeGreaterThan(90);
    expect([...routes].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('the forged and dead credentials are what they claim to be (the admin token itself passes)', async () => {
    await call('GET /api/v1/users', tokens.get('admin')!).expect(200);
  });

  it('lets the metrics token through on the metrics route only', async () => {
    const token = 'metrics-token-for-the-authorization-matrix';
    await call('ALL /metrics', token).expect(200);
    await call('GET /api/v1/users', token).expect(401);
  });

  /** The loops below call every route in turn: their time grows with the routes (and a busy machine). */
  const EVERY_ROUTE_MS = 120_000;

  it(
    'answers 401 on every closed route to no token, an expired one, another key, alg none and a revoked API key',
    async () => {
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const key of routes) {
        const rule = EXPECTED[key];
        for (const [what, bearer] of bad) {
          const res = await call(key, bearer);
          const seen = machineOnly(rule, res) ?? outcome(res);
          outcomes.push(`${key} with ${what}: ${seen}`);
          expected.push(
            `${key} with ${what}: ${rule === 'open' ? 'passes' : typeof rule === 'string' ? `${rule}-only` : 'unauthenticated'}`,
          );
        }
      }
      expect(outcomes).toEqual(expected);
    },
    EVERY_ROUTE_MS,
  );

  it(
    'lets each role through exactly where the table says, and refuses it with 403 everywhere else',
    async () => {
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const key of routes) {
        const rule = EXPECTED[key];
        for (const role of ROLES) {
          const res = await call(key, tokens.get(role)!);
          const seen = machineOnly(rule, res) ?? outcome(res);
          outcomes.push(`${key} as ${role}: ${seen}`);
          const want =
            rule === 'open'
              ? 'passes'
              : typeof rule === 'string'
                ? `${rule}-only`
                : rule.includes(role)
                  ? 'passes'
                  : 'refused';
          expected.push(`${key} as ${role}: ${want}`);
        }
      }
      expect(outcomes).toEqual(expected);
    },
    EVERY_ROUTE_MS,
  );
});
