import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitForPort } from '../../ingest/support/mosquitto.js';

const MOSQUITTO = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';
const MOSQUITTO_CTRL = process.env.MOSQUITTO_CTRL_BIN ?? '/usr/bin/mosquitto_ctrl';
export const SHIPPED_CONF = resolve('deploy/mosquitto/mosquitto.conf');

export interface OversightMosquitto {
  url: string;
  port: number;
  /** The folder that stands for /var/lib/mosquitto-oversight/. */
  stateDir: string;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** The account the broker drops to when started as root, as the distribution package creates it. */
function brokerUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'mosquitto'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'mosquitto'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * The shipped configuration, installed the way deploy/mosquitto/README.md says, with only the paths and the
 * port moved into a folder of the test's own: the state folder belongs to the broker's user, the
 * dynamic-security file is created by that user with `mosquitto_ctrl dynsec init`, and the broker is
 * started as root, so it drops to that user exactly as in production.
 */
export async function startOversightMosquitto(
  port: number,
  admin: { username: string; password: string },
): Promise<OversightMosquitto> {
  const root = mkdtempSync(join(tmpdir(), 'oversight-mosquitto-'));
  chmodSync(root, 0o755); // the broker's user must reach its state folder inside
  const stateDir = join(root, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const user = brokerUser();
  if (user) chownSync(stateDir, user.uid, user.gid);
  const conf = readFileSync(SHIPPED_CONF, 'utf8')
    .replace(/^listener 1884$/m, `listener ${port} 127.0.0.1`)
    .replaceAll('/var/lib/mosquitto-oversight/', `${stateDir}/`)
    // Written after the broker drops to its user, like /run/mosquitto/ which the package gives that user.
    .replace(/^pid_file .*$/m, `pid_file ${join(stateDir, 'mosquitto.pid')}`)
    .replace(/^include_dir .*$/m, `include_dir ${resolve('deploy/mosquitto/conf.d')}`);
  const confFile = join(root, 'mosquitto.conf');
  writeFileSync(confFile, `${conf}\nlog_dest none\n`);
  execFileSync(
    MOSQUITTO_CTRL,
    ['dynsec', 'init', join(stateDir, 'dynamic-security.json'), admin.username, admin.password],
    { stdio: 'ignore', ...(user ?? {}) },
  );
  let child: ChildProcess | undefined = spawn(MOSQUITTO, ['-c', confFile], { stdio: 'ignore' });
  await waitForPort(port, true);
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((done) => running.once('exit', done));
    running.kill('SIGTERM');
    await exited;
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stateDir,
    stop,
    async destroy() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
