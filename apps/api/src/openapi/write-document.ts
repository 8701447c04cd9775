import { writeFileSync } from 'node:fs';
import { loadConfig } from '#app/config';
import { newSecret } from '#app/crypto';
import { externalInfrastructure } from '#app/infra';
import { createApiApp } from '../api.app.js';
import { apiDocumentOf } from './document.js';

/**
 * Writes the OpenAPI document as the app builds it, without serving: `node write-document.js FILE`. The app is
 * created but not started; its database pool needs a reachable PostgreSQL (DATABASE_URL, default the local
 * server's `postgres` database), where nothing is read or written.
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: write-document FILE');
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const mqttUrl = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';
  const config = loadConfig({ DATABASE_URL: databaseUrl, MQTT_URL: mqttUrl, LOG_LEVEL: 'silent' });
  const app = await createApiApp(config, externalInfrastructure(databaseUrl, mqttUrl, newSecret(48)));
  writeFileSync(file, `${JSON.stringify(apiDocumentOf(app), null, 2)}\n`);
  await app.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
