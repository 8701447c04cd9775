import { localDate } from '#app/calendar';
import type { Edition } from '#app/jt808';
import type { Logger } from '#app/logging';
import type { SimCar } from './car.js';
import { defaultPlanContext, type PlanContext } from './day-plan.js';
import { jt808Edition, toJt808 } from './jt808-sim.js';
import { Jt808Terminal } from './jt808-terminal.js';
import type { RunningSimulator } from './runner.js';
import type { ScenarioAssignment } from './scenarios.js';
import { simulatedClock } from './sim-clock.js';
import { SimTerminal, type SimMessage } from './terminal.js';

export interface Jt808SimulatorOptions {
  host: string;
  port: number;
  cars: readonly SimCar[];
  intervalSeconds: number;
  speedup: number;
  start?: Date;
  scenarios?: readonly ScenarioAssignment[];
  context?: PlanContext;
  log: Logger;
  now?: () => number;
  /** Body bytes per sub-packet (default 512, so long blind-area uploads go as several packets). */
  packetBytes?: number;
  /** Seconds between heartbeats (0x0002). */
  heartbeatSeconds?: number;
}

interface Car {
  model: SimTerminal;
  link: Jt808Terminal;
  dropped: boolean;
  reconnecting: boolean;
}

/**
 * The demo fleet over JT/T 808: each car registers (0x0100), authenticates (0x0102), reports its fixes as
 * 0x0200, uploads blind areas as 0x0704 batches (sub-packets when long), sends heartbeats, answers the
 * platform's text messages and position queries, and after a lost link reconnects and resends whatever was
 * not acknowledged. The same terminal model as over MQTT, so the misuse scenarios are the same.
 */
export async function startJt808Simulator(options: Jt808SimulatorOptions): Promise<RunningSimulator> {
  const now = options.now ?? Date.now;
  const clock = simulatedClock(options.start?.getTime() ?? now(), options.speedup, now);
  const context = options.context ?? defaultPlanContext(options.scenarios ?? []);
  const log = options.log.child({ component: 'simulator', protocol: 'jt808' });
  const stats = { published: 0, failed: 0 };
  let stopping = false;
  const cars: Car[] = [];
  const signOn = async (car: Car) => {
    const result = await car.link.signOn();
    if (result !== 0) throw new Error(`registration refused with result ${result}`);
  };
  for (const simCar of options.cars) {
    const edition = jt808Edition(simCar.terminalId);
    const link = new Jt808Terminal({
      host: options.host,
      port: options.port,
      phone: simCar.terminalId,
      edition,
      packetBytes: options.packetBytes ?? 512,
    });
    const car: Car = {
      model: new SimTerminal(simCar, { intervalSeconds: options.intervalSeconds, encoding: 'json', context }),
      link,
      dropped: false,
      reconnecting: false,
    };
    link.onCommand = (frame) => {
      if (frame.header.msgId === 0x8300)
        log.info({ terminalId: simCar.terminalId, text: link.texts.at(-1) }, 'terminal says');
    };
    cars.push(car);
  }
  await Promise.all(
    cars.map(async (car) => {
      try {
        await car.link.connect();
        await signOn(car);
      } catch (error) {
        log.warn({ terminalId: car.model.terminalId, err: (error as Error).message }, 'JT/T 808 sign-on failed');
      }
    }),
  );
  const start = clock.now();
  log.info(
    {
      cars: cars.length,
      host: options.host,
      port: options.port,
      simulatedStart: new Date(start).toISOString(),
      localDay: localDate(start),
    },
    'JT/T 808 terminal simulator running',
  );
  const reconnect = (car: Car) => {
    if (car.reconnecting || stopping || car.dropped) return;
    car.reconnecting = true;
    void (async () => {
      while (!stopping) {
        try {
          await car.link.reconnect();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      car.reconnecting = false;
    })();
  };
  const send = (car: Car, msgId: number, body: Buffer) => {
    car.link.request(msgId, body).then(
      (reply) => {
        if (reply.result === 0) stats.published++;
        else stats.failed++;
      },
      () => undefined,
    );
  };
  const tickMs = Math.max(200, Math.min(1000, (options.intervalSeconds * 1000) / Math.max(1, options.speedup) / 2));
  const heartbeatMs = (options.heartbeatSeconds ?? 60) * 1000;
  let lastHeartbeat = now();
  const step = () => {
    const t = clock.now();
    const heartbeat = now() - lastHeartbeat >= heartbeatMs;
    if (heartbeat) lastHeartbeat = now();
    for (const car of cars) {
      if (car.dropped) continue;
      if (!car.link.connected) {
        reconnect(car);
        continue;
      }
      const phone = car.model.terminalId;
      for (const message of car.model.advance(t, start)) {
        const out = toJt808(message, phone, car.link.options.edition, 0);
        if (out.kind === 'message') send(car, out.msgId, out.body);
        else if (out.kind === 'raw') car.link.writeRaw(out.bytes);
      }
      if (heartbeat) send(car, 0x0002, Buffer.alloc(0));
      if (car.model.isSilent) {
        car.dropped = true;
        log.info({ terminalId: phone }, 'terminal goes silent (link dropped)');
        car.link.close();
      }
    }
  };
  step();
  const ticker = setInterval(step, tickMs);
  return {
    clock,
    ready: Promise.resolve(),
    stats: () => ({
      connected: cars.filter((c) => c.link.connected).length,
      published: stats.published,
      failed: stats.failed,
      silent: cars.filter((c) => c.dropped).length,
      simulatedTime: new Date(clock.now()).toISOString(),
    }),
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(ticker);
      // Give what is in flight a moment to be acknowledged, then close.
      const deadline = now() + 3000;
      while (now() < deadline && cars.some((c) => c.link.connected && c.link.unacknowledged > 0)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const car of cars) car.link.close();
    },
  };
}

/**
 * Sends messages as a JT/T 808 terminal would (signs on, then each in order, waiting for its 0x8001), then
 * closes the link. Returns the platform's result per message sent (raw broken frames get none).
 */
export async function sendAsJt808Terminal(
  host: string,
  port: number,
  terminalId: string,
  messages: readonly SimMessage[],
  options: { edition?: Edition; packetBytes?: number } = {},
): Promise<number[]> {
  const link = new Jt808Terminal({
    host,
    port,
    phone: terminalId,
    edition: options.edition ?? jt808Edition(terminalId),
    packetBytes: options.packetBytes ?? 512,
  });
  await link.connect();
  const results: number[] = [];
  try {
    const signed = await link.signOn();
    if (signed !== 0) throw new Error(`registration refused with result ${signed}`);
    for (const message of messages) {
      const out = toJt808(message, terminalId, link.options.edition, 0);
      if (out.kind === 'message') results.push((await link.request(out.msgId, out.body)).result);
      else if (out.kind === 'raw') link.writeRaw(out.bytes);
    }
  } finally {
    link.close();
  }
  return results;
}
