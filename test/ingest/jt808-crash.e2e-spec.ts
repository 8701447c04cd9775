import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import pg from 'pg';
import { Jt808Terminal } from '#app/simulator';
import { freePort } from '../support/service-process.js';
import { TEST_MQTT_URL } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor } from './support/fleet.js';

const TERMINALS = 20;
const PER_TERMINAL = 500;
const N = TERMINALS * PER_TERMINAL;
const WINDOW = 40;

/** Whether something accepts TCP connections on the port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('gateway killed with SIGKILL in the middle of a JT/T 808 stream', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: ChildProcess | undefined;
  let port: number;
  const terminals: Jt808Terminal[] = [];

  const startGateway = async () => {
    const child = spawn(process.execPath, ['dist/apps/gateway/src/main.js'], {
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        MQTT_URL: TEST_MQTT_URL,
        INGEST_CLIENT_ID: `gw-jt808-crash-${port}`,
        JT808_PORT: String(port),
        JT808_HOST: '127.0.0.1',
        LOG_LEVEL: process.env.GW_LOG_LEVEL ?? 'warn',
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', process.env.GW_LOG ? 'inherit' : 'ignore', 'inherit'],
    });
    await waitFor(
      () => listening(port),
      (up) => up,
      30_000,
    );
    return child;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    port = await freePort();
  });

  afterAll(async () => {
    for (const t of terminals) t.close();
    gateway?.kill('SIGKILL');
    await db?.end();
    await database?.drop();
  });

  /**
   * One terminal: reports PER_TERMINAL positions with up to WINDOW unacknowledged; when the connection drops it
   * reconnects (until the gateway is back), signs on again and resends what was not acknowledged.
   */
  async function drive(t: Jt808Terminal, base: number): Promise<number> {
    let acked = 0;
    let inFlight = 0;
    let next = 0;
    let wake: () => void = () => undefined;
    const idle = () => new Promise<void>((resolve) => (wake = resolve));
    const watchdog = setInterval(() => {
      if (t.connected || reconnecting) return;
      reconnecting = true;
      void (async () => {
        while (
          !(await t.reconnect().then(
            () => true,
            () => false,
          ))
        )
          await new Promise((r) => setTimeout(r, 200));
        reconnecting = false;
        wake();
      })();
    }, 100);
    let reconnecting = false;
    try {
      while (acked < PER_TERMINAL) {
        while (next < PER_TERMINAL && inFlight < WINDOW && t.connected && !reconnecting) {
          const fixTime = base + next * 1000;
          next++;
          inFlight++;
          void t.report({ lat: 30 + next / 1e4, lon: 120, fixTime }).then((result) => {
            if (result !== 0) throw new Error(`result ${result}`);
            acked++;
            inFlight--;
            wake();
          });
        }
        await Promise.race([idle(), new Promise((r) => setTimeout(r, 50))]);
      }
    } finally {
      clearInterval(watchdog);
    }
    return acked;
  }

  it('every position reported is stored exactly once, and every one is acknowledged after the restart', async () => {
    const ids = Array.from({ length: TERMINALS }, (_, i) => `1390000${String(i).padStart(4, '0')}`);
    await registerFleet(db, ids);
    gateway = await startGateway();
    for (const [i, id] of ids.entries()) {
      const t = new Jt808Terminal({ host: '127.0.0.1', port, phone: id, edition: i % 2 ? 2019 : 2013 });
      terminals.push(t);
      await t.connect();
      expect(await t.signOn()).toBe(0);
    }
    const base = Math.floor((Date.now() - 86_400_000) / 1000) * 1000;
    const driving = Promise.all(terminals.map((t) => drive(t, base)));

    const atKill = await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions'),
      (n) => n >= N / 5,
      60_000,
    );
    const killed = new Promise((resolve) => gateway!.once('exit', resolve));
    gateway.kill('SIGKILL');
    await killed;
    const afterKill = await count(db, 'SELECT count(*) AS n FROM positions');
    expect(atKill).toBeGreaterThanOrEqual(N / 5);
    expect(afterKill).toBeLessThan(N);
    expect(terminals.some((t) => t.unacknowledged > 0)).toBe(true);

    gateway = await startGateway();
    // Bounded, so that a terminal left waiting fails the test with what it waits for instead of hanging it.
    let deadline: NodeJS.Timeout | undefined;
    const acked = await Promise.race([
      driving,
      new Promise<never>((_, reject) => {
        deadline = setTimeout(() => {
          const waiting = terminals
            .map((t) => `${t.options.phone}: ${t.unacknowledged} unacknowledged, connected ${t.connected}`)
            .filter((line) => !line.includes(' 0 unacknowledged'));
          reject(new Error(`terminals still waiting 90 s after the restart: ${waiting.join('; ') || 'none'}`));
        }, 90_000);
      }),
    ]).finally(() => clearTimeout(deadline));
    expect(acked.reduce((a, b) => a + b, 0)).toBe(N);
    // Give late resends time to show up as extra rows, if the key ever let them in.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await count(db, 'SELECT count(*) AS n FROM positions')).toBe(N);
    expect(await count(db, 'SELECT count(DISTINCT (terminal_id, fix_time)) AS n FROM positions')).toBe(N);
    expect(await count(db, 'SELECT count(*) AS n FROM rejected_messages')).toBe(0);
  }, 180_000);
});
