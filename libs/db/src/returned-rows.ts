/**
 * The rows a statement returned, whatever runs it: TypeORM's `query` answers an UPDATE or DELETE … RETURNING
 * with `[rows, affectedCount]` but a SELECT or INSERT with the rows alone; pg answers `{ rows }`.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result)) {
    if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
    return result as T[];
  }
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
