import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
/** The limits the deployment ships (large queues, no drops). */
export const NO_DROP_CONF = resolve('deploy/mosquitto/conf.d/no-drop.conf');

export interface Mosquitto {
  url: string;
  port: number;
  /** Stops the broker (SIGTERM saves its persistence file) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and state. */
  restart(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

/** A real Mosquitto of the test's own, on its own port, configured like the deployment. */
export async function startMosquitto(
  port: number,
  options: { persistence?: boolean; extra?: (dir: string) => string[] } = {},
): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      readFileSync(NO_DROP_CONF, 'utf8'),
      `listener ${port} 127.0.0.1`,
      ...(options.extra ? options.extra(dir) : ['allow_anonymous true']),
      'user root',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'sys_interval 1',
      'log_dest none',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    await waitForPort(port, true);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((done) => running.once('exit', done));
    running.kill('SIGTERM');
    await exited;
    await waitForPort(port, false);
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop,
    restart: start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until something listens on the port (open) or nothing does any more. */
export async function waitForPort(port: number, open: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const isOpen = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (isOpen === open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not ${open ? 'open' : 'close'}`);
}
