import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import request from 'supertest';
import type { Clock } from '#app/calendar';
import { loadConfig, type AppConfig } from '#app/config';
import { hashPassword, newSecret } from '#app/crypto';
import type { Role } from '#app/db';
import { externalInfrastructure, type Infrastructure } from '#app/infra';
import { createApiApp } from '../../apps/api/src/api.app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_MQTT_URL = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
export const ADMIN_PASSWORD = 'admin-test-password';

/** A configuration as the service would read it, pointed at a test database. */
export function testConfig(databaseUrl: string, env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    DATABASE_URL: databaseUrl,
    MQTT_URL: TEST_MQTT_URL,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'silent',
    // Tests sign many users in from one address; the per-address limit has its own test.
    SIGNIN_PER_ADDRESS_PER_MINUTE: '100000',
    // Off unless a test asks for it: parallel tests must not contend for one TCP port.
    JT808_PORT: '0',
    ...env,
  });
}

/** The real servers, as the launcher would hand them to the apps when DATABASE_URL and MQTT_URL are set. */
export function testInfrastructure(config: AppConfig): Infrastructure {
  return externalInfrastructure(config.databaseUrl!, config.mqttUrl!, newSecret(48));
}

export interface TestApi {
  app: INestApplication;
  http: ReturnType<typeof request>;
  db: pg.Pool;
  database: TestDatabase;
  config: AppConfig;
  /** A bearer token of a fresh user with these roles (signed in through the real endpoint). */
  tokenFor(roles: Role[], unitId?: string | null): Promise<string>;
  close(): Promise<void>;
}

/** The REST API on its own fresh database, against this machine's PostgreSQL; no mocks. */
export async function startTestApi(
  env: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<TestApi> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, env);
  const app = await createApiApp(config, testInfrastructure(config), options);
  await app.init();
  const http = request(app.getHttpServer());
  const db = new pg.Pool({ connectionString: database.url, max: 3 });
  // Dropping the database at the end ends its sessions; an idle client hearing that must not fail the run.
  db.on('error', () => undefined);
  let users = 0;
  return {
    app,
    http,
    db,
    database,
    config,
    async tokenFor(roles, unitId = null) {
      const username = `user${++users}_${roles.join('_')}`;
      const password = `pw-${newSecret(9)}`;
      await db.query('INSERT INTO users (username, password_hash, roles, unit_id) VALUES ($1, $2, $3, $4)', [
        username,
        await hashPassword(password),
        roles,
        unitId,
      ]);
      const res = await http.post('/api/v1/auth/token').send({ username, password }).expect(200);
      return res.body.accessToken as string;
    },
    async close() {
      await app.close();
      await db.end();
      await database.drop();
    },
  };
}
