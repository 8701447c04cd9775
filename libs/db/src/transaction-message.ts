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
  return transactionInMessages(db, async (client) => results(await client.query(await message(client))));
}

/**
 * Runs a transaction sent as a few simple-protocol messages on one pooled connection: the first holds BEGIN,
 * the last COMMIT, each several statements (what a statement needs from an earlier one's answer goes in the next
 * message). Whatever fails, the connection is rolled back before it goes back to the pool.
 */
export function transactionInMessages<T>(db: DataSource, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return onConnection(db, async (client) => {
    try {
      return await work(client);
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
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new Error(`no value for $${n}`);
    const value = params[i];
    if (value === null || value === undefined) return 'NULL';
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new Error(`$${n} is not a finite number`);
      return String(value);
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
  });
}
