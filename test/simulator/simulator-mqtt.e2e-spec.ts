import mqtt, { type MqttClient } from 'mqtt';
import { newSecret } from '#app/crypto';
import { demoTerminalSecret } from '#app/demo-fleet';
import { startEmbeddedBroker, type BrokerIdentity, type EmbeddedBroker } from '#app/infra';
import { rootLogger } from '#app/logging';
import { addDays, localDate } from '#app/calendar';
import { decodePositionMessage } from '#app/telemetry';
import { demoCars, startSimulator, type RunningSimulator } from '#app/simulator';

interface Received {
  topic: string;
  payload: Buffer;
}

/**
 * The simulator against the in-process broker of the embedded default, with the broker's real sign-in
 * and topic rules: what arrives must come from signed-in terminals, each on its own topics.
 */
describe('the simulator over MQTT', () => {
  const log = rootLogger('silent');
  const internalPassword = newSecret();
  const cars = demoCars(4);
  const signIns: string[] = [];
  let broker: EmbeddedBroker;
  let watcher: MqttClient;
  let simulator: RunningSimulator | undefined;
  const received: Received[] = [];

  beforeAll(async () => {
    broker = await startEmbeddedBroker(
      '127.0.0.1',
      0,
      async (clientId, username, password): Promise<BrokerIdentity | null> => {
        const secret = password?.toString('utf8');
        if (username === 'watcher' && secret === internalPassword) return { kind: 'internal' };
        if (!username || clientId !== username || secret !== demoTerminalSecret(username)) return null;
        signIns.push(username);
        return { kind: 'terminal', terminalId: username };
      },
      log,
    );
    // Stands in for the gateway: terminals' messages are acknowledged (and passed on to subscribers) at once.
    broker.intake.attach((message) => void message.ack());
    watcher = await mqtt.connectAsync(broker.url, {
      username: 'watcher',
      password: internalPassword,
      clientId: 'watcher',
    });
    await watcher.subscribeAsync('telematics/v1/#', { qos: 1 });
    watcher.on('message', (topic, payload) => received.push({ topic, payload }));
  });

  afterAll(async () => {
    await simulator?.stop();
    await watcher?.endAsync();
    await broker?.stop();
  });

  it('signs every car in as its terminal and delivers its fixes, status and will on its own topics', async () => {
    const today = localDate(Date.now());
    simulator = await startSimulator({
      mqttUrl: broker.url,
      cars,
      secretFor: (id) => demoTerminalSecret(id),
      intervalSeconds: 1,
      speedup: 1,
      // The last car's terminal has been silent since yesterday: it drops its link at once.
      scenarios: [{ kind: 'silent', terminalId: cars[3].terminalId, day: addDays(today, -1) }],
      log,
    });
    await simulator.ready;
    await waitFor(() => cars.slice(0, 3).every((car) => countFixes(car.terminalId) >= 3), 10_000);
    await waitFor(
      () => received.some((m) => m.topic === status(cars[3].terminalId) && m.payload.toString() === '{"online":false}'),
      10_000,
    );

    expect(signIns.sort()).toEqual(cars.map((c) => c.terminalId).sort());
    for (const car of cars.slice(0, 3)) {
      const mine = received.filter((m) => m.topic.startsWith(`telematics/v1/${car.terminalId}/`));
      expect(mine[0]).toEqual({ topic: status(car.terminalId), payload: Buffer.from('{"online":true}') });
      for (const message of mine.filter((m) => !m.topic.endsWith('/status'))) {
        const decoded = decodePositionMessage(message.topic, message.payload, Date.now());
        expect(decoded.terminalId).toBe(car.terminalId);
        expect(decoded.rejections).toEqual([]);
        expect(decoded.positions.length).toBeGreaterThan(0);
      }
    }
    // The silent terminal said hello, then nothing but its will.
    const silent = received.filter((m) => m.topic.startsWith(`telematics/v1/${cars[3].terminalId}/`));
    expect(silent.map((m) => m.payload.toString())).toEqual(['{"online":true}', '{"online":false}']);
    expect(simulator.stats()).toMatchObject({ connected: 3, silent: 1, failed: 0 });
  });

  it('says goodbye on the status topic when stopped', async () => {
    await simulator!.stop();
    simulator = undefined;
    await waitFor(
      () =>
        cars.slice(0, 3).every(
          (car) =>
            received
              .filter((m) => m.topic === status(car.terminalId))
              .at(-1)
              ?.payload.toString() === '{"online":false}',
        ),
      5_000,
    );
  });

  const status = (terminalId: string) => `telematics/v1/${terminalId}/status`;
  const countFixes = (terminalId: string) =>
    received.filter((m) => m.topic === `telematics/v1/${terminalId}/position`).length;
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the broker to deliver');
    await new Promise((r) => setTimeout(r, 50));
  }
}
