import { jest } from '@jest/globals';
import { Counter } from 'prom-client';
import { startOpsListener, type OpsListener } from './ops-listener.js';
import { readiness, setPhase, watchDependency } from './readiness.js';
import { metricsRegistry } from './registry.js';

const TOKEN = 'a-token-for-the-metrics-listener-test';

const probe = new Counter({ name: 'oversight_test_probe_total', help: 'a test counter', registers: [metricsRegistry] });

describe('the metrics and health listener', () => {
  let listener: OpsListener;
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${listener.port}${path}`, { headers });

  beforeAll(async () => {
    listener = await startOpsListener({ host: '127.0.0.1', port: 0, token: TOKEN });
  });
  afterAll(() => listener.close());
  afterEach(() => setPhase('up'));

  it('picks a free port when asked for port 0', () => {
    expect(listener.port).toBeGreaterThan(0);
  });

  it('answers /metrics in the Prometheus text format to the bearer of the token only', async () => {
    probe.inc(3);
    const refused = await get('/metrics');
    expect(refused.status).toBe(401);
    expect(await get('/metrics', { authorization: 'Bearer not-the-token' }).then((r) => r.status)).toBe(401);
    const res = await get('/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^oversight_test_probe_total 3$/m);
    expect(text).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m);
  });

  it('keeps the health endpoints open for probes, and refuses other paths and methods', async () => {
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/other')).status).toBe(404);
    const post = await fetch(`http://127.0.0.1:${listener.port}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('is not ready while a dependency is down, and names it', async () => {
    const stop = watchDependency('gateway', 'broker', () => false);
    try {
      const res = await get('/health/ready');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        status: 'not-ready',
        phase: 'up',
        checks: [{ app: 'gateway', dependency: 'broker', status: 'down' }],
      });
      expect((await get('/health/live')).status).toBe(200);
    } finally {
      stop();
    }
    expect((await get('/health/ready')).status).toBe(200);
  });

  it('exports each dependency as a gauge at every scrape', async () => {
    const stopUp = watchDependency('detector', 'database', async () => true);
    const stopDown = watchDependency('detector', 'broker', () => {
      throw new Error('no connection');
    });
    try {
      const text = await (await get('/metrics', { authorization: `Bearer ${TOKEN}` })).text();
      expect(text).toMatch(/^oversight_dependency_up\{app="detector",dependency="database"\} 1$/m);
      expect(text).toMatch(/^oversight_dependency_up\{app="detector",dependency="broker"\} 0$/m);
      expect(text).toMatch(/^oversight_ready 0$/m);
    } finally {
      stopUp();
      stopDown();
    }
  });
});

describe('readiness', () => {
  afterEach(() => setPhase('up'));

  it('is false while the process starts and once it stops, whatever its dependencies', async () => {
    const stop = watchDependency('api', 'database', () => true);
    try {
      setPhase('starting');
      expect(await readiness()).toMatchObject({ status: 'not-ready', phase: 'starting' });
      setPhase('up');
      expect(await readiness()).toMatchObject({ status: 'ready', phase: 'up' });
      setPhase('stopping');
      expect(await readiness()).toMatchObject({ status: 'not-ready', phase: 'stopping' });
    } finally {
      stop();
    }
  });

  it('counts a check that does not answer within its time limit as down', async () => {
    jest.useFakeTimers();
    const stop = watchDependency('scheduler', 'database', () => new Promise<boolean>(() => undefined));
    try {
      const pending = readiness();
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await pending).toEqual({
        status: 'not-ready',
        phase: 'up',
        checks: [{ app: 'scheduler', dependency: 'database', status: 'down' }],
      });
    } finally {
      stop();
      jest.useRealTimers();
    }
  });
});
