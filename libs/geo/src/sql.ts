/**
 * Anything that runs SQL: a TypeORM DataSource or EntityManager (resolve to rows) or a pg Pool or Client
 * (resolve to `{ rows }`), so loaders work from every app and from tests.
 */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

export async function selectRows<T>(db: SqlRunner, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.query(sql, params);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
