import mqtt, { type MqttClient } from 'mqtt';
import { localDate } from '#app/calendar';
import { terminalTopic } from '#app/telemetry';
import type { Logger } from '#app/logging';
import type { SimCar } from './car.js';
import { defaultPlanContext, type PlanContext } from './day-plan.js';
import type { ScenarioAssignment } from './scenarios.js';
import { defaultEncoding, SimTerminal, type Encoding, type SimMessage } from './terminal.js';
import { simulatedClock, type SimulatedClock } from './sim-clock.js';

export interface SimulatorOptions {
  mqttUrl: string;
  cars: readonly SimCar[];
  /** The MQTT password of each terminal. */
  secretFor(terminalId: string): string;
  intervalSeconds: number;
  /** Simulated seconds per real second; the simulated clock never runs ahead of the real one. */
  speedup: number;
  /** Simulated start; default now. */
  start?: Date;
  scenarios?: readonly ScenarioAssignment[];
  encodingFor?: (terminalId: string) => Encoding;
  context?: PlanContext;
  log: Logger;
  /** Real time source (tests). */
  now?: () => number;
  /** Clients opening their connection at once. */
  connectBatch?: number;
}

export interface SimulatorStats {
  connected: number;
  published: number;
  failed: number;
  silent: number;
  simulatedTime: string;
}

export interface RunningSimulator {
  clock: SimulatedClock;
  stats(): SimulatorStats;
  /** Connected once every client has had its first CONNACK (or failed). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

interface Car {
  terminal: SimTerminal;
  client: MqttClient;
  dropped: boolean;
}

/**
 * Drives the cars over MQTT: each car is its own client (client id = user name = terminal id, its secret as
 * password, will `{"online": false}` on its status topic), says `{"online": true}` on every (re)connect and
 * publishes what its terminal model produces, QoS 1. A terminal that goes silent loses its link without a
 * DISCONNECT, so the broker publishes its will.
 */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const now = options.now ?? Date.now;
  const clock = simulatedClock(options.start?.getTime() ?? now(), options.speedup, now);
  const context = options.context ?? defaultPlanContext(options.scenarios ?? []);
  const stats = { published: 0, failed: 0 };
  let stopping = false;
  const cars: Car[] = [];
  const log = options.log.child({ component: 'simulator' });
  const publish = (car: Car, message: SimMessage) => {
    car.client.publish(message.topic, message.payload, { qos: 1 }, (error) => {
      if (error) {
        if (stopping) return;
        stats.failed++;
        log.warn({ terminalId: car.terminal.terminalId, err: error }, 'publish failed');
      } else stats.published++;
    });
  };
  const batch = options.connectBatch ?? 50;
  const connected: Promise<void>[] = [];
  for (let i = 0; i < options.cars.length; i += batch) {
    for (const simCar of options.cars.slice(i, i + batch)) {
      const terminalId = simCar.terminalId;
      const client = mqtt.connect(options.mqttUrl, {
        clientId: terminalId,
        username: terminalId,
        password: options.secretFor(terminalId),
        protocolVersion: 4,
        clean: true,
        keepalive: 60,
        reconnectPeriod: 2000,
        connectTimeout: 15_000,
        will: {
          topic: terminalTopic(terminalId, 'status'),
          payload: Buffer.from('{"online":false}'),
          qos: 1,
          retain: false,
        },
      });
      const terminal = new SimTerminal(simCar, {
        intervalSeconds: options.intervalSeconds,
        encoding: options.encodingFor?.(terminalId) ?? defaultEncoding(terminalId),
        context,
      });
      const car: Car = { terminal, client, dropped: false };
      cars.push(car);
      client.on('connect', () => publish(car, terminal.status(true, clock.now())));
      client.on('error', (error) => {
        if (!stopping) log.warn({ terminalId, err: error.message }, 'terminal link error');
      });
      connected.push(
        new Promise<void>((resolve) => {
          client.once('connect', () => resolve());
          client.once('error', () => resolve());
        }),
      );
    }
    // Let this batch sign in before the next opens its sockets.
    await Promise.all(connected.slice(i));
  }
  const ready = Promise.all(connected).then(() => undefined);
  const start = clock.now();
  log.info(
    {
      cars: cars.length,
      intervalSeconds: options.intervalSeconds,
      speedup: options.speedup,
      simulatedStart: new Date(start).toISOString(),
      localDay: localDate(start),
      scenarios: summarise(options.scenarios ?? []),
    },
    'terminal simulator running',
  );
  const tickMs = Math.max(200, Math.min(1000, (options.intervalSeconds * 1000) / Math.max(1, options.speedup) / 2));
  const step = () => {
    const t = clock.now();
    for (const car of cars) {
      if (car.dropped) continue;
      for (const message of car.terminal.advance(t, start)) publish(car, message);
      if (car.terminal.isSilent) {
        car.dropped = true;
        log.info({ terminalId: car.terminal.terminalId }, 'terminal goes silent (link dropped, will published)');
        car.client.end(true);
      }
    }
  };
  step();
  const ticker = setInterval(step, tickMs);
  return {
    clock,
    ready,
    stats: () => ({
      connected: cars.filter((c) => c.client.connected).length,
      published: stats.published,
      failed: stats.failed,
      silent: cars.filter((c) => c.dropped).length,
      simulatedTime: new Date(clock.now()).toISOString(),
    }),
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(ticker);
      // A clean goodbye: the terminals say they are going offline and close without triggering the will;
      // if the broker is already gone, they give up after a few seconds.
      const goodbye = Promise.all(
        cars
          .filter((c) => !c.dropped && c.client.connected)
          .map(
            (c) =>
              new Promise<void>((resolve) => {
                c.client.publish(terminalTopic(c.terminal.terminalId, 'status'), '{"online":false}', { qos: 1 }, () =>
                  c.client.end(false, {}, () => resolve()),
                );
              }),
          ),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([goodbye, new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
      clearTimeout(timer);
      await Promise.all(cars.map((c) => new Promise<void>((resolve) => c.client.end(true, {}, () => resolve()))));
    },
  };
}

function summarise(scenarios: readonly ScenarioAssignment[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of scenarios) {
    out[s.kind] ??= [];
    if (!out[s.kind].includes(s.terminalId)) out[s.kind].push(s.terminalId);
  }
  return out;
}
