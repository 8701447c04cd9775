import mqtt, { type MqttClient, type Packet } from 'mqtt';
import { ManualAckSubscriber, type InboundMessage } from '../../apps/gateway/src/ingest/manual-ack-subscriber.js';
import { waitFor } from './support/fleet.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';

// The gateway relies on behaviour of MQTT.js that is not public API (mqtt is pinned at 5.16.0): a truthy
// value passed to handleMessage's callback skips the automatic PUBACK and reading continues; a held callback
// stops reading; PUBACKs written by the subscriber itself on the client's socket (MQTT 3.1.1 and 5) are honoured
// by the broker and reported as `packetsend`. If an upgrade changes any of this, these tests fail.
describe('manual PUBACKs with MQTT.js (delayed acknowledgement)', () => {
  let broker: Mosquitto;
  let publisher: MqttClient;

  beforeAll(async () => {
    broker = await startMosquitto(18842);
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'pin-publisher' });
  });

  afterAll(async () => {
    await publisher?.endAsync();
    await broker?.destroy();
  });

  async function subscriber(
    clientId: string,
    protocolVersion: 4 | 5,
    consume: (m: InboundMessage) => boolean,
    keepalive = 60,
  ) {
    const sub = new ManualAckSubscriber(
      broker.url,
      {
        topics: ['pin/#'],
        clientId,
        clean: false,
        keepalive,
        protocolVersion,
        properties: protocolVersion === 5 ? { sessionExpiryInterval: 600 } : undefined,
      },
      consume,
    );
    const sent: Packet[] = [];
    sub.client.on('packetsend', (packet) => sent.push(packet));
    // The subscription is made on connect; wait for its SUBACK.
    let subacked = false;
    sub.client.on('packetreceive', (packet) => (subacked ||= packet.cmd === 'suback'));
    sub.start();
    await waitFor(async () => subacked, Boolean);
    return { sub, sent };
  }

  it.each([4, 5] as const)(
    'MQTT %i: reads on without acknowledging, acks only when told, and the broker redelivers the rest',
    async (version) => {
      const clientId = `pin-sub-${version}`;
      const received: InboundMessage[] = [];
      const first = await subscriber(clientId, version, (m) => {
        received.push(m);
        return true;
      });
      for (const n of [1, 2, 3]) await publisher.publishAsync(`pin/${version}`, `m${n}`, { qos: 1 });
      await waitFor(
        async () => received.length,
        (n) => n === 3,
      );
      expect(received.map((m) => m.payload.toString())).toEqual(['m1', 'm2', 'm3']);
      expect(first.sent.filter((p) => p.cmd === 'puback')).toHaveLength(0);

      expect(received[1].ack()).toBe(true);
      await waitFor(
        async () => first.sent.filter((p) => p.cmd === 'puback').length,
        (n) => n === 1,
      );
      await new Promise((r) => setTimeout(r, 200));
      await first.sub.stop();
      // An acknowledgement for the old connection is never sent on another.
      expect(received[0].ack()).toBe(false);

      const again: InboundMessage[] = [];
      const second = await subscriber(clientId, version, (m) => {
        again.push(m);
        m.ack();
        return true;
      });
      await waitFor(
        async () => again.length,
        (n) => n >= 2,
        5000,
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(again.map((m) => m.payload.toString())).toEqual(['m1', 'm3']);
      await second.sub.stop();
    },
  );

  it.each([4, 5] as const)(
    'MQTT %i: acknowledges the messages of one committed batch in one go, and the broker sends none of them again',
    async (version) => {
      const clientId = `pin-batch-${version}`;
      const received: InboundMessage[] = [];
      const first = await subscriber(clientId, version, (m) => {
        received.push(m);
        return true;
      });
      // More than fit the subscriber's first acknowledgement buffer; Mosquitto's default in-flight window is 20.
      const bodies = Array.from({ length: 20 }, (_, i) => `b${i}`);
      for (const body of bodies) await publisher.publishAsync(`pin/batch/${version}`, body, { qos: 1 });
      await waitFor(
        async () => received.length,
        (n) => n === bodies.length,
      );
      expect(received.map((m) => m.payload.toString())).toEqual(bodies);
      expect(received.every((m) => m.ack())).toBe(true);
      await waitFor(
        async () => first.sent.filter((p) => p.cmd === 'puback').length,
        (n) => n === bodies.length,
      );
      expect(new Set(first.sent.flatMap((p) => (p.cmd === 'puback' ? [p.messageId] : []))).size).toBe(bodies.length);
      await new Promise((r) => setTimeout(r, 200));
      await first.sub.stop();

      const again: string[] = [];
      const second = await subscriber(clientId, version, (m) => {
        again.push(m.payload.toString());
        m.ack();
        return true;
      });
      await publisher.publishAsync(`pin/batch/${version}`, 'after', { qos: 1 });
      await waitFor(
        async () => again.length,
        (n) => n >= 1,
        5000,
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(again).toEqual(['after']);
      await second.sub.stop();
    },
  );

  it('stops reading while the consumer holds back, and goes on after resume()', async () => {
    const received: string[] = [];
    const { sub } = await subscriber('pin-hold', 4, (m) => {
      received.push(m.payload.toString());
      m.ack();
      return received.length !== 2;
    });
    for (const n of [1, 2, 3, 4]) await publisher.publishAsync('pin/hold', `h${n}`, { qos: 1 });
    await waitFor(
      async () => received.length,
      (n) => n >= 2,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toEqual(['h1', 'h2']);
    expect(sub.paused).toBe(true);
    sub.resume();
    await waitFor(
      async () => received.length,
      (n) => n === 4,
    );
    expect(received).toEqual(['h1', 'h2', 'h3', 'h4']);
    await sub.stop();
  });

  it('keeps a connection it is holding back alive instead of timing it out (no PINGRESP can be read)', async () => {
    const received: string[] = [];
    const { sub } = await subscriber(
      'pin-keepalive',
      4,
      (m) => {
        received.push(m.payload.toString());
        m.ack();
        return false;
      },
      2,
    );
    let closes = 0;
    sub.client.on('close', () => closes++);
    await publisher.publishAsync('pin/keepalive', 'k1', { qos: 1 });
    await publisher.publishAsync('pin/keepalive', 'k2', { qos: 1 });
    await waitFor(
      async () => received.length,
      (n) => n === 1,
    );
    // Several keepalive periods with reading held: MQTT.js alone would tear the connection down after 3 s.
    await new Promise((r) => setTimeout(r, 7000));
    expect(closes).toBe(0);
    expect(sub.client.connected).toBe(true);
    sub.resume();
    await waitFor(
      async () => received.length,
      (n) => n === 2,
    );
    expect(received).toEqual(['k1', 'k2']);
    await sub.stop();
  }, 20_000);
});
