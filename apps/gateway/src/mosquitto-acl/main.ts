import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { buildMosquittoAcl, buildPasswordFile } from './mosquitto-acl.js';

// Usage: DATABASE_URL=… MQTT_USERNAME=… MQTT_PASSWORD=… npm run mosquitto:acl -- <output folder>
// Writes <folder>/acl and <folder>/passwd; send Mosquitto a SIGHUP to reload them.
const out = resolve(process.argv[2] ?? 'mosquitto-auth');
const { DATABASE_URL, MQTT_USERNAME, MQTT_PASSWORD } = process.env;
const missing = Object.entries({ DATABASE_URL, MQTT_USERNAME, MQTT_PASSWORD }).filter(([, v]) => !v);
if (missing.length > 0) {
  process.stderr.write(`Set ${missing.map(([k]) => k).join(', ')}\n`);
  process.exit(1);
}
const db = new pg.Client({ connectionString: DATABASE_URL });
await db.connect();
try {
  mkdirSync(out, { recursive: true });
  const passwdPath = join(out, 'passwd');
  const existing = existsSync(passwdPath) ? readFileSync(passwdPath, 'utf8') : '';
  writeFileSync(join(out, 'acl'), await buildMosquittoAcl(db, MQTT_USERNAME!), { mode: 0o640 });
  writeFileSync(
    passwdPath,
    await buildPasswordFile(db, { username: MQTT_USERNAME!, password: MQTT_PASSWORD! }, existing),
    {
      mode: 0o640,
    },
  );
  process.stdout.write(`wrote ${join(out, 'acl')} and ${passwdPath}\n`);
} finally {
  await db.end();
}
