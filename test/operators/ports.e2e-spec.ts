import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { loadConfig } from '#app/config';
import { claimPorts, portClaims, PortTakenError } from '#app/infra';
import { freePort, startService } from '../support/service-process.js';
import { checkedFetch } from '../support/openapi-check.js';

jest.setTimeout(180_000);

function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}

/** Makes sure the port is taken: by us, or already by someone else (a Mosquitto on 1883, say). */
async function taken(port: number, held: Server[]): Promise<void> {
  try {
    held.push(await hold(port));
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
  }
}

describe('ports a newcomer’s machine already uses', () => {
  const held: Server[] = [];
  afterAll(async () => {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('moves a taken port the operator did not choose to the next free one, and stops on one they chose', async () => {
    const base = await freePort();
    held.push(await hold(base));
    const config = loadConfig({ PORT: String(base), EMBEDDED_MQTT_PORT: String(base), DATA_DIR: '/tmp/unused' });
    const claims = portClaims(config, { http: true }).filter((c) => c.key !== 'embeddedPostgresPort');
    const moved = await claimPorts(config, claims, () => true);
    expect(moved.config.port).toBeGreaterThan(base);
    expect(moved.config.embeddedMqttPort).toBeGreaterThan(moved.config.port); // never the same port twice
    expect(moved.moved.map((m) => m.claim.variable)).toEqual(['PORT', 'EMBEDDED_MQTT_PORT']);
    await expect(claimPorts(config, claims, () => false)).rejects.toThrow(new PortTakenError(claims[0], base).message);
  });

  it('start-up stops with one line naming the port, its use and the variable that moves it', async () => {
    const port = await freePort();
    held.push(await hold(port));
    const service = startService('dist/apps/main.js', [], {
      PORT: String(port),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      LOG_LEVEL: 'silent',
    });
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.output()).toBe(
      `port ${port} (the HTTP API and dashboard) is already in use: set PORT to another port\n`,
    );
  });

  it('the demo moves what only it uses and says where everything went', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'oversight-ports-'));
    chmodSync(dataDir, 0o755);
    // The defaults of a newcomer's machine, both taken.
    const [port, mqttPort, pgPort] = [3000, 1883, 5433];
    await taken(port, held);
    await taken(mqttPort, held);
    await taken(pgPort, held);
    const demo = startService('dist/apps/demo.js', ['--cars', '3'], {
      DATA_DIR: dataDir,
      PORT: undefined,
      EMBEDDED_MQTT_PORT: undefined,
      EMBEDDED_PG_PORT: undefined,
      DATABASE_URL: undefined,
      MQTT_URL: undefined,
      ADMIN_PASSWORD: 'demo-admin-password-1',
      LOG_LEVEL: 'warn',
    });
    try {
      const [, dashboard] = await demo.waitFor(/^dashboard: http:\/\/localhost:(\d+)\/$/m);
      const [, mqtt] = await demo.waitFor(/^mqtt: mqtt:\/\/127\.0\.0\.1:(\d+)$/m);
      expect(Number(dashboard)).toBeGreaterThan(port);
      expect(Number(mqtt)).toBeGreaterThan(mqttPort);
      expect(demo.output()).toContain(
        `note: port ${port} was taken; the HTTP API and dashboard moved to ${dashboard} (PORT)`,
      );
      expect(demo.output()).toMatch(
        new RegExp(
          `^note: port ${pgPort} was taken; the embedded PostgreSQL moved to \\d+ \\(EMBEDDED_PG_PORT\\)$`,
          'm',
        ),
      );
      await demo.waitFor(/^admin user: admin \(password from ADMIN_PASSWORD\)$/m);
      const health = await (await checkedFetch(`http://127.0.0.1:${dashboard}`))('/api/health');
      expect(health.status).toBe(200);
    } finally {
      process.kill(-demo.child.pid!, 'SIGINT');
      const exit = await demo.exited;
      if (exit.code !== 0) console.log(demo.output());
      expect(exit).toEqual({ code: 0, signal: null });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
