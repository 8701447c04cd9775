import fc from 'fast-check';
import { hashPassword } from '#app/crypto';
import { ROLES } from '#app/db';
import { fixedClock } from '#app/calendar';
import { startTestApi, type TestApi } from '../support/test-app.js';
import { addUnit } from '../payment-gate/gate-fixtures.js';

/**
 * Bad input over REST, generated from the running application's own OpenAPI document (every operation,
 * every query parameter, every body field): no case is a 5xx; the cases no field can accept are a 400 that
 * names the field; a refused change writes nothing.
 */

interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  maxLength?: number;
  maximum?: number;
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  properties?: Record<string, Schema>;
}
interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface Endpoint {
  method: string;
  path: string;
  op: Operation;
}

/** Strings no text field can accept: PostgreSQL cannot store them as sent. */
const unstorable = fc.oneof(
  fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`),
  fc.constantFrom('\u0000', 'abc\u0000', '\uD800', 'x\uDC00y', '\uDBFF'),
);
/** In a URL only the NUL survives: a lone surrogate cannot be percent-encoded as UTF-8. */
const unstorableInUrl = fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`);
/** Strings a field may accept or refuse, but never fail on. */
const awkward = fc.oneof(
  fc.constantFrom(
    "' OR '1'='1",
    "'; DROP TABLE vehicles; --",
    '" OR ""="',
    '\\',
    '%',
    '_',
    '%_%',
    '$1',
    '?',
    ':name',
    '\\x00',
    "E'\\000'",
    '1e300',
    '-1e300',
    'NaN',
    'Infinity',
    '0x7fffffff',
    '9'.repeat(400),
    '\u202Eevil',
    '\uFEFF',
    '\u200B',
    'e\u0301\u0301\u0301',
    '😀👨‍👩‍👧‍👦',
    '𠜎𠜱𠝹',
    '\uFFFF',
    '\r\n\t',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    'plate_normalized DESC',
    'id; SELECT pg_sleep(10)',
    '{"$gt": ""}',
    '[]',
    'null',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\u0000') && !/[\uD800-\uDFFF]/.test(s)),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);
const badDates = fc.constantFrom(
  '2026-02-30',
  '2026-13-01',
  '2026-00-10',
  '2026-11-20T24:61:00+08:00',
  '2026-11-20T10:00:00+25:00',
  '2026-11-20T10:00:00 Mars/Olympus',
  '2026-11-20T10:00:00[Asia/Nowhere]',
  '+275760-09-14',
  '-000001-01-01',
  '9999999-01-01',
  'yesterday',
);
const badNumbers = fc.constantFrom(
  '1e20',
  '1e300',
  '-1e300',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1.5e-7',
  '--1',
  '1,000',
);
/** Values of a wrong JSON type for a field of `type`. */
function wrongTypes(type: string | undefined): fc.Arbitrary<unknown> {
  // A marker, expanded only when sent: fast-check could not print a counterexample thousands of levels deep.
  const deep = fc.integer({ min: 40, max: 5000 }).map((n) => ({ [DEEP]: n }));
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.oneof(fc.integer(), fc.boolean(), fc.constant({ $ne: null }), fc.constant(['a']), deep),
    number: fc.oneof(fc.constant('12abc'), fc.boolean(), fc.constant({ $gt: 0 }), fc.constant([1]), deep),
    integer: fc.oneof(fc.constant('12abc'), fc.constant(1.5), fc.constant(1e300), fc.boolean(), deep),
    boolean: fc.oneof(fc.constant('yes'), fc.integer(), fc.constant({}), deep),
    array: fc.oneof(fc.constant('a'), fc.integer(), fc.constant({ 0: 'a' })),
    object: fc.oneof(fc.constant('a'), fc.integer(), fc.constant([[]])),
  };
  return all[type ?? 'string'] ?? all.string;
}

const DEEP = '__nested_arrays__';
/** JSON text of a body, with each deep marker as that many nested arrays. */
function bodyText(body: unknown): string {
  return JSON.stringify(body).replace(new RegExp(`\\{"${DEEP}":(\\d+)\\}`, 'g'), (_, n: string) =>
    '['.repeat(Number(n)).concat(']'.repeat(Number(n))),
  );
}

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);
const SOME_UUID = '6f1d7c0e-3b7a-4c3e-9d2a-0e5b8f1c2a77';

describe('bad input over REST (property-based, every operation of the OpenAPI document)', () => {
  let api: TestApi;
  let token: string;
  let endpoints: Endpoint[];
  let schemas: Record<string, Schema>;
  const seen = { requests: 0, byStatus: new Map<number, number>() };

  const deref = (schema: Schema | undefined): Schema => {
    if (!schema) return {};
    if (schema.$ref) return deref(schemas[schema.$ref.split('/').pop()!]);
    if (schema.allOf?.length === 1) return deref(schema.allOf[0]);
    return schema;
  };
  /** Every row of every table plus the history's length: unchanged when nothing was written. */
  const footprint = async () =>
    (
      await api.db.query(
        `SELECT sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', relname), false, true, '')))[1]::text::bigint)::text AS n
         FROM pg_stat_user_tables WHERE schemaname = 'public'`,
      )
    ).rows[0].n as string;

  const send = async (e: Endpoint, query: Record<string, string>, body: unknown) => {
    const path = e.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'year' ? '2027' : SOME_UUID));
    let req = api.http[e.method as 'get'](path).set('Authorization', `Bearer ${token}`).query(query);
    if (body !== undefined) req = req.set('Content-Type', 'application/json').send(bodyText(body));
    const res = await req;
    seen.requests += 1;
    seen.byStatus.set(res.status, (seen.byStatus.get(res.status) ?? 0) + 1);
    return res;
  };
  const describeCase = (e: Endpoint, where: string, field: string, value: unknown) =>
    `${e.method.toUpperCase()} ${e.path} ${where} ${field} = ${JSON.stringify(value)?.slice(0, 120)}`;

  beforeAll(async () => {
    api = await startTestApi({}, { clock: fixedClock('2026-11-16T02:00:00Z') });
    const unit = await addUnit(api.db, '区测试局');
    // Every role at once, so validation (not the role guard) answers.
    token = await api.tokenFor([...ROLES], unit);
    const doc = (await api.http.get('/api/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    };
    schemas = doc.components.schemas;
    endpoints = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({ method, path, op })),
    );
  });
  afterAll(async () => {
    // The figures for docs/security.md.
    process.stdout.write(
      `bad-input: ${seen.requests} requests over ${endpoints.length} operations; statuses ${JSON.stringify(Object.fromEntries(seen.byStatus))}\n`,
    );
    await api.close();
  });

  it('finds the operations to attack in the OpenAPI document', () => {
    expect(endpoints.length).toBeGreaterThan(60);
  });

  it('answers 400 naming the field for text PostgreSQL cannot store, in every query parameter and body field', async () => {
    for (const e of endpoints) {
      const query = (e.op.parameters ?? []).filter((p) => p.in === 'query');
      const bodySchema = deref(e.op.requestBody?.content['application/json']?.schema);
      const fields = Object.entries(bodySchema.properties ?? {});
      for (const p of query) {
        await fc.assert(
          fc.asyncProperty(unstorableInUrl, async (value) => {
            const res = await send(e, { [p.name]: value }, undefined);
            expect([describeCase(e, 'query', p.name, value), res.status]).toEqual([
              describeCase(e, 'query', p.name, value),
              400,
            ]);
            expect(JSON.stringify(res.body.message)).toContain(p.name);
          }),
          { numRuns: 3 },
        );
      }
      for (const [name, raw] of fields) {
        const type = deref(raw).type;
        if (type && type !== 'string') continue;
        const before = MUTATING.has(e.method) ? await footprint() : null;
        await fc.assert(
          fc.asyncProperty(unstorable, async (value) => {
            const res = await send(e, {}, { [name]: value });
            expect([describeCase(e, 'body', name, value), res.status]).toEqual([
              describeCase(e, 'body', name, value),
              400,
            ]);
            expect(JSON.stringify(res.body.message)).toContain(name);
          }),
          { numRuns: 3 },
        );
        if (before !== null) expect([e.path, await footprint()]).toEqual([e.path, before]);
      }
    }
  }, 600_000);

  it('answers 400 naming the field for a value of the wrong JSON type in every body field, writing nothing', async () => {
    for (const e of endpoints) {
      const bodySchema = deref(e.op.requestBody?.content['application/json']?.schema);
      const fields = Object.entries(bodySchema.properties ?? {});
      if (fields.length === 0) continue;
      const before = MUTATING.has(e.method) ? await footprint() : null;
      for (const [name, raw] of fields) {
        const schema = deref(raw);
        // Without a declared type (or as a free-form object) the document does not say what is wrong here.
        if ((!schema.type || schema.type === 'object') && !schema.enum) continue;
        await fc.assert(
          fc.asyncProperty(wrongTypes(schema.enum ? 'string' : schema.type), async (value) => {
            const res = await send(e, {}, { [name]: value });
            expect([describeCase(e, 'body', name, value), res.status]).toEqual([
              describeCase(e, 'body', name, value),
              400,
            ]);
            expect(JSON.stringify(res.body.message)).toContain(name);
          }),
          { numRuns: 4 },
        );
      }
      if (before !== null) expect([e.path, await footprint()]).toEqual([e.path, before]);
    }
  }, 600_000);

  it('answers 400 naming the parameter for out-of-range and non-numeric numbers in numeric query parameters', async () => {
    for (const e of endpoints) {
      for (const p of (e.op.parameters ?? []).filter((q) => q.in === 'query')) {
        const type = deref(p.schema).type;
        if (type !== 'number' && type !== 'integer') continue;
        await fc.assert(
          fc.asyncProperty(badNumbers, async (value) => {
            const res = await send(e, { [p.name]: value }, undefined);
            expect([describeCase(e, 'query', p.name, value), res.status]).toEqual([
              describeCase(e, 'query', p.name, value),
              400,
            ]);
            expect(JSON.stringify(res.body.message)).toContain(p.name);
          }),
          { numRuns: 10 },
        );
      }
    }
  }, 600_000);

  it('answers 400 naming the field for impossible dates and time zones in every date field', async () => {
    const isDate = (name: string, s: Schema) =>
      s.format === 'date' || s.format === 'date-time' || /(Date|Time|At|^from|^to|^on|^date|^day)$/.test(name);
    for (const e of endpoints) {
      const query = (e.op.parameters ?? []).filter((p) => p.in === 'query' && isDate(p.name, deref(p.schema)));
      const bodySchema = deref(e.op.requestBody?.content['application/json']?.schema);
      const fields = Object.entries(bodySchema.properties ?? {}).filter(
        ([name, s]) => isDate(name, deref(s)) && deref(s).type === 'string',
      );
      for (const p of query) {
        await fc.assert(
          fc.asyncProperty(badDates, async (value) => {
            const res = await send(e, { [p.name]: value }, undefined);
            expect([describeCase(e, 'query', p.name, value), res.status]).toEqual([
              describeCase(e, 'query', p.name, value),
              400,
            ]);
            expect(JSON.stringify(res.body.message)).toContain(p.name);
          }),
          { numRuns: 12 },
        );
      }
      for (const [name] of fields) {
        await fc.assert(
          fc.asyncProperty(badDates, async (value) => {
            const res = await send(e, {}, { [name]: value });
            expect([describeCase(e, 'body', name, value), res.status]).toEqual([
              describeCase(e, 'body', name, value),
              400,
            ]);
            expect(JSON.stringify(res.body.message)).toContain(name);
          }),
          { numRuns: 12 },
        );
      }
    }
  }, 600_000);

  it('never fails (5xx) on SQL metacharacters, unicode edge cases, huge strings and deep JSON anywhere', async () => {
    for (const e of endpoints) {
      const params = (e.op.parameters ?? []).filter((p) => p.in === 'query');
      const bodySchema = deref(e.op.requestBody?.content['application/json']?.schema);
      const fields = Object.keys(bodySchema.properties ?? {});
      const anything = fc.oneof(awkward, badDates, badNumbers);
      for (const p of params) {
        await fc.assert(
          fc.asyncProperty(anything, async (value) => {
            const res = await send(e, { [p.name]: value }, undefined);
            expect([describeCase(e, 'query', p.name, value), res.status < 500]).toEqual([
              describeCase(e, 'query', p.name, value),
              true,
            ]);
          }),
          { numRuns: 8 },
        );
      }
      for (const name of fields) {
        await fc.assert(
          fc.asyncProperty(fc.oneof(anything, wrongTypes('string'), wrongTypes('number')), async (value) => {
            const res = await send(e, {}, { [name]: value });
            expect([describeCase(e, 'body', name, value), res.status < 500]).toEqual([
              describeCase(e, 'body', name, value),
              true,
            ]);
          }),
          { numRuns: 6 },
        );
      }
      // Path parameters: the same attacks in the URL.
      if (e.path.includes('{')) {
        await fc.assert(
          fc.asyncProperty(fc.oneof(awkward, unstorableInUrl), async (value) => {
            const path = e.path.replace(/\{(\w+)\}/g, () => encodeURIComponent(value).slice(0, 4000));
            const res = await api.http[e.method as 'get'](path).set('Authorization', `Bearer ${token}`);
            seen.requests += 1;
            expect([`${e.method} ${path.slice(0, 200)}`, res.status < 500]).toEqual([
              `${e.method} ${path.slice(0, 200)}`,
              true,
            ]);
          }),
          { numRuns: 6 },
        );
      }
    }
  }, 900_000);

  it('known cases: engine sizes of 1e-7 L and page 1e20 are a 400 naming the field', async () => {
    const standard = await api.http
      .put('/api/v1/purchase-requests/standards')
      .set('Authorization', `Bearer ${token}`)
      .send([{ category: 'general', priceLimitCny: '180000.00', engineLimitL: 1e-7 }]);
    expect(standard.status).toBe(400);
    expect(JSON.stringify(standard.body.message)).toContain('engineLimitL');
    const purchase = await api.http
      .post('/api/v1/purchase-requests')
      .set('Authorization', `Bearer ${token}`)
      .send({ category: 'general', count: 1, budgetCny: '1.00', engineL: 1e-7, justification: 'a test case' });
    expect(purchase.status).toBe(400);
    expect(JSON.stringify(purchase.body.message)).toContain('engineL');
    for (const [path, field] of [
      ['/api/v1/vehicles?page=1e20', 'page'],
      ['/api/v1/payment-gate/checks?offset=1e300', 'offset'],
      ['/api/v1/history?afterSeq=1e300', 'afterSeq'],
    ]) {
      const res = await api.http.get(path).set('Authorization', `Bearer ${token}`);
      expect([path, res.status]).toEqual([path, 400]);
      expect(JSON.stringify(res.body.message)).toContain(field);
    }
  });

  it('answers a NUL byte to the payment gate with 400, not 503', async () => {
    const res = await api.http.post('/api/v1/payment-gate/checks').set('Authorization', `Bearer ${token}`).send({
      plateNumber: '苏N·A0001',
      expenseType: 'toll',
      amount: '1.00',
      invoiceNo: 'N\u0000UL',
      expenseDate: '2026-11-15',
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.message)).toContain('invoiceNo');
    expect((await api.db.query('SELECT count(*)::int AS n FROM payment_checks')).rows[0].n).toBe(0);
  });
});

describe('request size and sign-in limits', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ BODY_LIMIT_BYTES: '4096', SIGNIN_PER_ADDRESS_PER_MINUTE: '12' });
  });
  afterAll(() => api.close());

  it('answers 413 naming the limit for a JSON body over BODY_LIMIT_BYTES, and writes nothing', async () => {
    const admin = await api.tokenFor(['admin']);
    const res = await api.http
      .post('/api/v1/units')
      .set('Authorization', `Bearer ${admin}`)
      .send({ name: 'x'.repeat(5000), vehicleQuota: 1 });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: ['the request body is larger than the limit of 4096 bytes (BODY_LIMIT_BYTES)'],
    });
    expect((await api.db.query('SELECT count(*)::int AS n FROM units')).rows[0].n).toBe(0);
  });

  it('answers 400 naming the body for JSON that does not parse', async () => {
    const res = await api.http.post('/api/v1/auth/token').set('Content-Type', 'application/json').send('{"username":');
    expect(res.status).toBe(400);
    expect(res.body.message[0]).toMatch(/^body is not valid JSON/);
  });

  it('slows one name down after repeated failures (429), wherever they come from', async () => {
    await api.tokenFor(['member']); // user2_member… is another name; the victim is below
    await api.db.query(`INSERT INTO users (username, password_hash, roles) VALUES ('victim', 'x', '{member}')`);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (await api.http.post('/api/v1/auth/token').send({ username: 'victim', password: `guess-${i}` })).status,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toContain(429);
  });
});

describe('sign-in attempts per address', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ SIGNIN_PER_ADDRESS_PER_MINUTE: '12' });
  });
  afterAll(() => api.close());

  it('caps sign-ins per address at SIGNIN_PER_ADDRESS_PER_MINUTE, successes included (429)', async () => {
    await api.db.query(`INSERT INTO users (username, password_hash, roles) VALUES ('clerk', $1, '{member}')`, [
      await hashPassword('clerk-password-1'),
    ]);
    // Successful sign-ins never trip the failure throttle: only the per-address cap can stop these.
    const statuses: number[] = [];
    let last: { status: number; body: { message: string } } | undefined;
    for (let i = 0; i < 14; i++) {
      last = await api.http.post('/api/v1/auth/token').send({ username: 'clerk', password: 'clerk-password-1' });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(12).fill(200), 429, 429]);
    expect(last!.body.message).toMatch(/more than 12 sign-ins a minute from this address; retry in \d+ s/);
  });
});
