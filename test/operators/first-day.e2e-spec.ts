import { jest } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { embeddedDatabaseUrl } from '#app/infra';
import { errorLines, freePort, startService, type ServiceProcess } from '../support/service-process.js';
import { checkedJsonCall } from '../support/openapi-check.js';

/**
 * The first day of an operator, on the embedded defaults (embedded PostgreSQL, in-process broker), with the
 * service as its own process: first start, first sign-in, then Ctrl-C and kill -9 in the middle of a terminal's
 * stream. A terminal must never be told a position is safe that is not stored exactly once.
 */
jest.setTimeout(300_000);

const TERMINAL = '13900000001';

describe('an operator’s first day on the embedded defaults', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oversight-first-day-'));
  chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as its own user, which must reach the directory
  let env: Record<string, string | undefined>;
  let http: string;
  let service: ServiceProcess | undefined;
  let secret: string;
  let token: string;
  /** Fix times (ms) whose PUBACK the terminal received. */
  const acked: number[] = [];
  let nextFix = Date.parse('2026-11-20T01:00:00Z');

  // Every answer is checked against the API document the service itself publishes.
  const call = (method: string, path: string, body?: unknown, bearer = token) =>
    checkedJsonCall(http, method, path, body, bearer);

  function start(): ServiceProcess {
    service = startService('dist/apps/main.js', [], env);
    return service;
  }

  /** A terminal publishing one position every 5 ms until stopped; records what was acknowledged. */
  async function stream(mqttUrl: string): Promise<{ stop(): Promise<void> }> {
    const client: MqttClient = await mqtt.connectAsync(mqttUrl, {
      clientId: TERMINAL,
      username: TERMINAL,
      password: secret,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    client.on('error', () => undefined);
    let running = true;
    const loop = (async () => {
      while (running && client.connected) {
        const fixTime = (nextFix += 1000);
        const payload = JSON.stringify({ fixTime, lat: 33.95, lon: 118.3, speedKmh: 30, ignition: true });
        client.publish(`telematics/v1/${TERMINAL}/position`, payload, { qos: 1 }, (error) => {
          if (!error) acked.push(fixTime);
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    return {
      async stop() {
        running = false;
        await loop;
        await client.endAsync(true).catch(() => undefined);
      },
    };
  }

  async function storedFixes(pgPort: number): Promise<Map<number, number>> {
    const db = new pg.Client({ connectionString: embeddedDatabaseUrl(pgPort) });
    await db.connect();
    try {
      const { rows } = await db.query<{ t: string; n: number }>(
        `SELECT (extract(epoch FROM fix_time) * 1000)::bigint AS t, count(*)::int AS n
           FROM positions WHERE terminal_id = $1 GROUP BY fix_time`,
        [TERMINAL],
      );
      return new Map(rows.map((r) => [Number(r.t), r.n]));
    } finally {
      await db.end();
    }
  }

  beforeAll(async () => {
    const [port, mqttPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_MQTT_PORT: String(mqttPort),
      EMBEDDED_PG_PORT: String(pgPort),
      JT808_PORT: '0',
      ADMIN_PASSWORD: undefined,
      DATABASE_URL: undefined,
      MQTT_URL: undefined,
      LOG_LEVEL: 'info',
    };
    http = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      process.kill(-service.child.pid!, 'SIGTERM');
      await service.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints where everything is and the generated admin password, which must be changed at first sign-in', async () => {
    const first = start();
    const [, password] = await first.waitFor(/^admin password: (\S+)$/m);
    expect(first.output()).toMatch(new RegExp(`^dashboard: http://localhost:${env.PORT}/$`, 'm'));
    expect(first.output()).toMatch(new RegExp(`^mqtt: mqtt://127\\.0\\.0\\.1:${env.EMBEDDED_MQTT_PORT}$`, 'm'));
    const signIn = await call('POST', '/api/v1/auth/token', { username: 'admin', password }, '');
    expect(signIn.body.mustChangePassword).toBe(true);
    token = signIn.body.accessToken;
    expect((await call('GET', '/api/v1/users')).status).toBe(403);
    const change = await call('PUT', '/api/v1/auth/password', {
      currentPassword: password,
      newPassword: 'chosen-by-the-operator-1',
    });
    expect(change.status).toBe(204);
    expect((await call('GET', '/api/v1/users')).status).toBe(200);

    // The registry belongs to the centre: a centre officer registers one car and its terminal.
    const officer = await call('POST', '/api/v1/users', {
      username: 'centre.officer',
      password: 'officer-temporary-1',
      roles: ['centre'],
    });
    expect(officer.status).toBe(201);
    const officerSignIn = await call(
      'POST',
      '/api/v1/auth/token',
      { username: 'centre.officer', password: 'officer-temporary-1' },
      '',
    );
    token = officerSignIn.body.accessToken;
    await call('PUT', '/api/v1/auth/password', {
      currentPassword: 'officer-temporary-1',
      newPassword: 'officer-own-password-2',
    });
    const unit = await call('POST', '/api/v1/units', { name: '区机关事务管理局', vehicleQuota: 5 });
    const car = await call('POST', '/api/v1/vehicles', {
      plateNumber: '苏N·A0001',
      unitId: unit.body.id,
      category: 'general',
      commissionedOn: '2026-01-01',
    });
    const terminal = await call('POST', '/api/v1/terminals', { terminalId: TERMINAL, model: 'BD-1' });
    secret = terminal.body.secret;
    const bound = await call('POST', `/api/v1/vehicles/${car.body.id}/terminal`, {
      terminalId: TERMINAL,
      from: '2026-01-01',
    });
    expect([unit.status, car.status, terminal.status, bound.status]).toEqual([201, 201, 201, 201]);
  });

  it('stops on Ctrl-C to its process group mid-stream: exit 0, no error logged, every acknowledged position stored once', async () => {
    const running = service!;
    const terminal = await stream(`mqtt://127.0.0.1:${env.EMBEDDED_MQTT_PORT}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    process.kill(-running.child.pid!, 'SIGINT');
    const exit = await running.exited;
    await terminal.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(errorLines(running.output())).toEqual([]);
    expect(running.output()).toMatch(/"msg":"stopped"/);
    expect(acked.length).toBeGreaterThan(50);

    const again = start();
    await again.waitFor(/^dashboard: /m);
    expect(again.output()).not.toMatch(/admin password:/); // the admin exists: nothing new to print
    const stored = await storedFixes(Number(env.EMBEDDED_PG_PORT));
    expect(acked.filter((t) => stored.get(t) !== 1)).toEqual([]);
    expect([...stored.values()].every((n) => n === 1)).toBe(true);
  });

  it('loses nothing it acknowledged when killed with kill -9, and starts again over what the killed one left', async () => {
    const running = service!;
    const before = acked.length;
    const terminal = await stream(`mqtt://127.0.0.1:${env.EMBEDDED_MQTT_PORT}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    process.kill(running.child.pid!, 'SIGKILL');
    await running.exited;
    await terminal.stop();
    expect(acked.length - before).toBeGreaterThan(50);

    const again = start();
    await again.waitFor(/^dashboard: /m);
    const stored = await storedFixes(Number(env.EMBEDDED_PG_PORT));
    expect(acked.filter((t) => stored.get(t) !== 1)).toEqual([]);

    process.kill(-again.child.pid!, 'SIGTERM');
    expect(await again.exited).toEqual({ code: 0, signal: null });
    expect(errorLines(again.output())).toEqual([]);
  });
});
