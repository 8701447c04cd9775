import pg from 'pg';
import { inlineParameters } from '#app/db';

/**
 * Statements sent with their values written in (several statements in one message) must mean what the same
 * statement with bound parameters means: PostgreSQL reads both and the answers are compared.
 */
describe('values written into a statement', () => {
  let client: pg.Client;

  beforeAll(async () => {
    client = new pg.Client({
      connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    await client.connect();
  });
  afterAll(() => client.end());

  const sql = `SELECT $1::text AS s, $2::float8 AS n, $3::bool AS b, $4::timestamptz AS t, $5::text[] AS a,
                      $6::int AS z, $7::jsonb AS j, $1::text || '!' AS again`;

  it.each([
    [
      'plain values',
      ['car A', 12.5, true, new Date(Date.UTC(2026, 11, 7, 21, 30, 0, 123)), ['x', 'y'], null, { k: 1 }],
    ],
    [
      'quotes, backslashes and braces',
      [`O'Brien \\ "q"`, -0.000001, false, new Date(0), [`a"b`, 'c\\d', '{e,f}', null, ''], 7, { y: `'\\"` }],
    ],
    ['non-ASCII text', ['皖A·12345 — 停车场', 1e21, false, new Date(-1), [], -2147483648, { 名: ['é'] }]],
  ] as [string, unknown[]][])('%s read back as bound parameters are', async (_, values) => {
    const bound = await client.query(sql, values);
    const inlined = await client.query(inlineParameters(sql, values, (v) => client.escapeLiteral(v)));
    expect(inlined.rows).toEqual(bound.rows);
  });

  it('refuses a statement whose values are missing or not finite', () => {
    expect(() => inlineParameters('SELECT $2', [1], (v) => v)).toThrow('no value for $2');
    expect(() => inlineParameters('SELECT $1', [NaN], (v) => v)).toThrow('$1 is not a finite number');
  });
});
