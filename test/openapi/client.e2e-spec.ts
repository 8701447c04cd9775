import { mkdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { hashSecret, newSecret } from '#app/crypto';
import { apiDocumentOf } from '../../apps/api/src/openapi/document.js';
import { startTestApi, type TestApi } from '../support/test-app.js';

const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = join(ROOT, 'docs/examples/check-before-paying.ts');

/**
 * The example as this test calls it. It is loaded by path: its types come from the client generated in the
 * first test, which the repository does not keep, so the project's own type check does not read it.
 */
interface Example {
  oversightClient(baseUrl: string, apiKey: string): unknown;
  checkBeforePaying(client: unknown, expense: Record<string, string>): Promise<unknown>;
  signIn(baseUrl: string, username: string, password: string): Promise<string>;
}

/** Type-checks files as an integrator's project would (strict, Node ESM), inside the repository for its node_modules. */
function compile(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('a TypeScript client generated from the OpenAPI document', () => {
  let api: TestApi;
  let baseUrl: string;
  let dir: string;

  beforeAll(async () => {
    api = await startTestApi();
    await api.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(api.app.getHttpServer().address() as { port: number }).port}`;
    dir = join(ROOT, 'dist', `client-check-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api.close();
  });

  it('compiles with the integrator example that uses it, and a wrong request does not compile', async () => {
    const source = astToString(await openapiTS(apiDocumentOf(api.app) as never));
    writeFileSync(join(dir, 'oversight-api.d.ts'), source);
    copyFileSync(EXAMPLE, join(dir, 'check-before-paying.ts'));
    expect(compile([join(dir, 'check-before-paying.ts')])).toEqual([]);

    // The types come from the document: a misspelt field or a path the service does not have is refused.
    writeFileSync(
      join(dir, 'wrong.ts'),
      `import type { components } from './oversight-api.js';
       import { oversightClient } from './check-before-paying.js';
       const expense: components['schemas']['CheckRequestDto'] = {
         plateNumber: '苏N·A1234', expenseType: 'fuel', amount: '1.00', invoiceNo: 'x', expenseDay: '2026-11-20' };
       await oversightClient('http://x', 'k').GET('/api/v1/no-such-path', {});
       export { expense };`,
    );
    const errors = compile([join(dir, 'wrong.ts')]).join('\n');
    expect(errors).toMatch(/expenseDay/);
    expect(errors).toMatch(/no-such-path/);
  });

  it("runs the finance system's check before paying against the service: a registered, reporting car is allowed", async () => {
    // A finance API key, as the finance system would hold it.
    const key = `ock_${newSecret()}`;
    await api.db.query(`INSERT INTO api_keys (name, key_hash, roles) VALUES ('finance-system', $1, '{finance}')`, [
      hashSecret(key),
    ]);
    const centre = await api.tokenFor(['centre']);
    const auth = { Authorization: `Bearer ${centre}` };
    const unit = await api.http.post('/api/v1/units').set(auth).send({ name: '区财政局', vehicleQuota: 6 }).expect(201);
    const car = await api.http
      .post('/api/v1/vehicles')
      .set(auth)
      .send({ plateNumber: '苏N·A1234', unitId: unit.body.id, category: 'general', commissionedOn: '2025-01-01' })
      .expect(201);
    await api.http.post('/api/v1/terminals').set(auth).send({ terminalId: '13800000001' }).expect(201);
    await api.http
      .post(`/api/v1/vehicles/${car.body.id}/terminal`)
      .set(auth)
      .send({ terminalId: '13800000001', from: '2025-01-01' })
      .expect(201);
    await api.db.query(
      `INSERT INTO positions (terminal_id, fix_time, vehicle_id, lat, lon, speed_kmh)
       VALUES ('13800000001', '2026-11-20T04:00:00Z', $1, 32.39, 119.41, 0)`,
      [car.body.id],
    );

    const { checkBeforePaying, oversightClient, signIn } = (await import(EXAMPLE)) as Example;
    const client = oversightClient(baseUrl, key);
    const expense = {
      plateNumber: '苏N·A1234',
      expenseType: 'fuel',
      amount: '356.80',
      invoiceNo: '044001900111-00012345',
      expenseDate: '2026-11-20',
    } as const;
    const allowed = await checkBeforePaying(client, expense);
    expect(allowed).toMatchObject({ pay: true, decision: { decision: 'allow', reasons: [] } });

    const unknownCar = await checkBeforePaying(client, { ...expense, plateNumber: '苏N·Z9999', invoiceNo: 'inv-2' });
    expect(unknownCar).toMatchObject({
      pay: false,
      decision: { decision: 'deny', reasons: [{ code: 'VEHICLE_NOT_REGISTERED' }], vehicle: null },
    });

    const refused = await checkBeforePaying(client, { ...expense, amount: '-1' });
    expect(refused).toEqual({ pay: false, refused: [expect.stringMatching(/^amount /)] });

    const wrongKey = await checkBeforePaying(oversightClient(baseUrl, 'ock_wrong'), expense);
    expect(wrongKey).toMatchObject({ pay: false, cannotDecide: expect.any(String) });

    const person = await api.tokenFor(['finance']);
    expect(person).toEqual(expect.any(String));
    await expect(signIn(baseUrl, 'nobody', 'wrong-password-123')).rejects.toThrow(/sign-in refused/);
  });
});
