import type { PoolClient, QueryResult } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a transaction sent as one simple-protocol message (one round trip instead of one per statement): the
 * message, built on the pooled connection it will run on (which it may prepare first), holds its own
 * BEGIN … COMMIT. An error skips the rest of the message, COMMIT included, so the connection is rolled back
 * before it goes back to the pool. Returns one result per statement.
 */
export async function transactionInOneMessage(
  db: DataSource,
  message: (client: PoolClient) => string | Promise<string>,
): Promise<QueryResult[]> {
  const runner = db.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    try {
      return (await client.query(await message(client))) as unknown as QueryResult[];
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
  }
}
