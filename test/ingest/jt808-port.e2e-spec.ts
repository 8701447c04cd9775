import { createServer, type Server } from 'node:net';
import { loadConfig } from '#app/config';
import { claimPorts, portClaims } from '#app/infra';
import { freePort, startService } from '../support/service-process.js';

function hold(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve(server));
  });
}

describe('the JT/T 808 port among the ports the service claims', () => {
  const held: Server[] = [];
  afterAll(async () => {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('is claimed only where the gateway runs and only when on; the demo may move it when the operator did not choose it', async () => {
    const port = await freePort();
    held.push(await hold(port));
    const config = loadConfig({ JT808_PORT: String(port), DATA_DIR: '/tmp/unused' });
    const claims = portClaims(config, { http: false, jt808: true }).filter((c) => c.key === 'jt808Port');
    expect(claims).toEqual([
      { key: 'jt808Port', host: '0.0.0.0', purpose: 'the JT/T 808 listener for terminals', variable: 'JT808_PORT' },
    ]);
    expect(portClaims(config, { http: false }).some((c) => c.key === 'jt808Port')).toBe(false);
    expect(
      portClaims(loadConfig({ JT808_PORT: '0' }), { http: false, jt808: true }).some((c) => c.key === 'jt808Port'),
    ).toBe(false);
    const moved = await claimPorts(config, claims, () => true);
    expect(moved.config.jt808Port).toBeGreaterThan(port);
    expect(moved.moved.map((m) => m.claim.variable)).toEqual(['JT808_PORT']);
  });

  it('stops the gateway at start-up with one line naming the port, its use and the variable that moves it', async () => {
    const port = await freePort();
    held.push(await hold(port));
    const gateway = startService('dist/apps/gateway/src/main.js', [], {
      JT808_PORT: String(port),
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      MQTT_URL: 'mqtt://127.0.0.1:1883',
      LOG_LEVEL: 'silent',
    });
    expect(await gateway.exited).toEqual({ code: 1, signal: null });
    expect(gateway.output()).toBe(
      `port ${port} (the JT/T 808 listener for terminals) is already in use: set JT808_PORT to another port\n`,
    );
  }, 60_000);
});
