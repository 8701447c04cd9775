import { readFileSync } from 'node:fs';
import { ROLE_TABLE, renderRoleTable, rolesFor, type Duty } from '#app/auth';
import { ROLES, type Role } from '#app/db';
import { startTestApi, type TestApi } from '../support/test-app.js';

type Operation = { 'x-duty'?: Duty; 'x-roles'?: Role[]; description?: string };
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const UUID = '00000000-0000-4000-8000-000000000000';
/** Path parameters that are not ids; anything else gets a well-formed id nobody has. */
const PARAMS: Record<string, string> = { year: '2031', week: '2026-W01' };
const OPEN = new Set([
  'POST /api/v1/auth/token',
  'GET /api/health',
  'GET /api/health/live',
  'GET /api/health/ready',
  'GET /',
  'GET /dashboard',
]);
/** Opened by a machine's own secret (METRICS_TOKEN), not by any role. */
const MACHINE = new Set(['GET /metrics']);
const refusedByRole = (res: { status: number; body: { message?: unknown } }) =>
  res.status === 403 && /requires one of the roles/.test(String(res.body.message));

describe('the role table, route by route', () => {
  let api: TestApi;
  let routes: { method: (typeof METHODS)[number]; path: string; operation: Operation }[];
  const tokens = new Map<Role, string>();

  beforeAll(async () => {
    api = await startTestApi();
    for (const role of ROLES) tokens.set(role, await api.tokenFor([role]));
    const doc = (await api.http.get('/api/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ method, path, operation: item[method]! })),
    );
    // Signing in a user per role hashes a password each: slow on a loaded machine.
  }, 120_000);
  afterAll(() => api.close());

  it('names a duty of the table on every route but the open ones, with its roles in the OpenAPI description', () => {
    expect(routes.length).toBeGreaterThan(80);
    for (const { method, path, operation } of routes) {
      const key = `${method.toUpperCase()} ${path}`;
      if (OPEN.has(key) || MACHINE.has(key)) {
        expect({ key, duty: operation['x-duty'] }).toEqual({ key, duty: undefined });
        continue;
      }
      expect({ key, known: operation['x-duty']! in ROLE_TABLE }).toEqual({ key, known: true });
      expect(operation['x-roles']).toEqual([...rolesFor(operation['x-duty']!)]);
      expect(operation.description).toContain(`Roles: ${rolesFor(operation['x-duty']!).join(', ')}`);
    }
  });

  it('lets through exactly the roles the table gives each route, admin included, and refuses every other with 403', async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const { method, path, operation } of routes) {
      const duty = operation['x-duty'];
      if (!duty) continue;
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => PARAMS[name] ?? UUID);
      for (const role of ROLES) {
        const res = await api.http[method](url)
          .set('Authorization', `Bearer ${tokens.get(role)}`)
          .send({});
        outcomes.push(`${method.toUpperCase()} ${path} ${role}: ${refusedByRole(res) ? 'refused' : 'passes'}`);
        const allowed = (rolesFor(duty) as readonly Role[]).includes(role);
        expected.push(`${method.toUpperCase()} ${path} ${role}: ${allowed ? 'passes' : 'refused'}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });

  // Written out by hand, apart from the table: what separation of duties means for admin.
  it.each([
    ['POST', `/api/v1/cases/${UUID}/transitions`],
    ['PUT', `/api/v1/cases/${UUID}/assignee`],
    ['POST', `/api/v1/cases/${UUID}/notes`],
    ['POST', `/api/v1/cases/${UUID}/attachments`],
    ['GET', `/api/v1/cases`],
    ['GET', `/api/v1/cases/${UUID}/files`],
    ['POST', `/api/v1/cases/${UUID}/files`],
    ['POST', `/api/v1/audits/2026-W01/items/${UUID}`],
    ['POST', `/api/v1/audits/draw`],
    ['POST', `/api/v1/purchase-requests/${UUID}/pre-review`],
    ['POST', `/api/v1/purchase-requests`],
    ['POST', `/api/v1/meetings/${UUID}/items/${UUID}/decide`],
    ['POST', `/api/v1/meetings/${UUID}/items/${UUID}/votes`],
    ['POST', `/api/v1/meetings/${UUID}/attendance`],
    ['POST', `/api/v1/meetings`],
    ['GET', `/api/v1/history`],
    ['GET', `/api/v1/violations`],
    ['POST', `/api/v1/payment-gate/checks`],
    ['POST', `/api/v1/dispatch-orders/${UUID}/approve`],
  ])('refuses admin on %s %s', async (method, url) => {
    const res = await api.http[method.toLowerCase() as 'get'](url)
      .set('Authorization', `Bearer ${tokens.get('admin')}`)
      .send({});
    expect(res.status).toBe(403);
    expect(refusedByRole(res)).toBe(true);
  });

  it.each([
    ['GET', '/api/v1/users'],
    ['GET', '/api/v1/api-keys'],
    ['POST', '/api/v1/units'],
    ['POST', '/api/v1/vehicles'],
    ['POST', `/api/v1/vehicles/${UUID}/terminal`],
    ['POST', '/api/v1/terminals'],
    ['POST', '/api/v1/fences'],
    ['PUT', '/api/v1/calendar/2031'],
    ['PUT', '/api/v1/audits/settings'],
    ['PUT', '/api/v1/purchase-requests/standards'],
    ['GET', '/api/v1/history/verify'],
  ])('lets admin manage %s %s', async (method, url) => {
    const res = await api.http[method.toLowerCase() as 'get'](url)
      .set('Authorization', `Bearer ${tokens.get('admin')}`)
      .send({});
    expect(refusedByRole(res)).toBe(false);
    expect(res.status).not.toBe(403);
  });

  it('lets a person who holds both roles do both', async () => {
    const both = await api.tokenFor(['admin', 'inspector']);
    await api.http.get('/api/v1/cases').set('Authorization', `Bearer ${both}`).expect(200);
    await api.http.get('/api/v1/users').set('Authorization', `Bearer ${both}`).expect(200);
  });

  it('prints the same table in docs/roles.md', () => {
    // Compared cell by cell: Prettier pads the columns of the file.
    const rows = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('|') && !/^\|[-:| ]+\|$/.test(line))
        .map((line) => line.split('|').map((cell) => cell.trim()));
    const doc = readFileSync(new URL('../../docs/roles.md', import.meta.url), 'utf8');
    expect(rows(doc)).toEqual(rows(renderRoleTable()));
  });
});
