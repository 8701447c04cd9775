import type { PoolClient, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a transaction sent as one simple-protocol message (one round trip instead of one per statement): the
 * message, built on the pooled connection it will run on (which it may prepare first), holds its own
 * BEGIN … COMMIT. An error skips the rest of the message, COMMIT included, so the connection is rolled back
 * before it goes back to the pool. Returns one result per statement.
 */
export function transactionInOneMessage(
  db: DataSource,
  message: (client: PoolClient) => string | Promise<string>,
): Promise<QueryResult[]> {
  return onConnection(db, async (client) => {
    try {
      return results(await client.query(await message(client)));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/** Runs work on one connection of the data source's pool (for several statements sent as one message). */
export async function onConnection<T>(db: DataSource, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const runner = db.createQueryRunner();
  try {
    return await work((await runner.connect()) as PoolClient);
  } finally {
    await runner.release();
  }
}

/** The results of a simple-protocol message: one per statement (pg gives a single one unwrapped). */
export function results(answer: QueryResult | QueryResult[]): QueryResult[] {
  return Array.isArray(answer) ? answer : [answer];
}

/**
 * A parameterised statement with its values written in as SQL literals, to travel with others in one
 * simple-protocol message. Values: null and undefined, finite numbers, booleans, strings, dates (as their
 * exact instant), arrays of these (as array literals) and anything else as its JSON text. A `$n` must not appear inside the statement's own quotes.
 */
export function inlineParameters(sql: string, params: readonly unknown[], literal: (value: string) => string): string {
  const { texts, slots } = splitAtParameters(sql);
  let out = texts[0];
  for (let k = 0; k < slots.length; k++) out += inlineValue(slots[k], params, literal) + texts[k + 1];
  return out;
}

/** A statement cut at its `$n`: the texts around them and the n's (statements are few and reused: cut once). */
const cuts = new Map<string, { texts: string[]; slots: number[] }>();
function splitAtParameters(sql: string): { texts: string[]; slots: number[] } {
  let cut = cuts.get(sql);
  if (cut) return cut;
  const parts = sql.split(/\$(\d+)/);
  cut = { texts: parts.filter((_, i) => i % 2 === 0), slots: parts.filter((_, i) => i % 2 === 1).map(Number) };
  if (cuts.size < 1000) cuts.set(sql, cut);
  return cut;
}

function inlineValue(n: number, params: readonly unknown[], literal: (value: string) => string): string {
  const i = n - 1;
  if (i < 0 || i >= params.length) throw new Error(`no value for $${n}`);
  const value = params[i];
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`$${n} is not a finite number`);
    // In parentheses when negative: `-5::int` would be read as -(5::int), and -2147483648 then overflows.
    return value < 0 ? `(${String(value)})` : String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return literal(value);
  if (value instanceof Date) return literal(value.toISOString());
  if (Array.isArray(value)) {
    // An array literal ('{"a","b"}'), each element quoted; the statement casts it to its type.
    const items = value.map((v: unknown) =>
      v === null || v === undefined
        ? 'NULL'
        : `"${String(v instanceof Date ? v.toISOString() : v).replace(/[\\"]/g, '\\$&')}"`,
    );
    return literal(`{${items.join(',')}}`);
  }
  return literal(JSON.stringify(value));
}
