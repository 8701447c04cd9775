import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * For a describe block: a fresh database and a small pool on it, made before its tests and dropped after them.
 * Read `suite.db` and `suite.database` inside hooks and tests (beforeAll sets them).
 */
export function suiteDatabase(max = 2): { db: pg.Pool; database: TestDatabase } {
  const suite = {} as { db: pg.Pool; database: TestDatabase };
  beforeAll(async () => {
    suite.database = await createTestDatabase();
    suite.db = new pg.Pool({ connectionString: suite.database.url, max });
  });
  afterAll(async () => {
    // pool.end() resolves before its sockets have closed; the forced drop may then hit a closing client.
    suite.db.on('error', () => undefined);
    await suite.db.end();
    await suite.database.drop();
  });
  return suite;
}
