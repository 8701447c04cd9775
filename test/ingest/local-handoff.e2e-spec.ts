import mqtt, { type MqttClient } from 'mqtt';
import {
  attachLocalHandoff,
  handoffPartition,
  HANDOFF_TOPIC_FILTER,
  partitionOfTopic,
  readHandoffBatch,
  type HandoffBatch,
} from '#app/handoff';
import { rootLogger } from '#app/logging';
import type { AcceptedPosition } from '../../apps/gateway/src/ingest/flush-writer.js';
import { HandoffPublisher } from '../../apps/gateway/src/ingest/handoff-publisher.js';
import { waitFor } from './support/fleet.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';

const PORT = 18873;
const PARTITIONS = 16;

/** Two cars in different partitions. */
const CAR_A = '00000000-0000-4000-8000-00000000000a';
const CAR_B = [...Array(40).keys()]
  .map((i) => `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`)
  .find((id) => handoffPartition(id, PARTITIONS) !== handoffPartition(CAR_A, PARTITIONS))!;

function position(vehicleId: string, fixTime: number): AcceptedPosition {
  return {
    vehicleId,
    terminalId: `T-${vehicleId.slice(-2)}`,
    fixTime,
    receivedAt: fixTime + 500,
    lat: 33.96,
    lon: 118.28,
    speedKmh: 30,
    headingDeg: 90,
    altitudeM: null,
    satellites: null,
    hdop: null,
    valid: true,
    ignition: true,
    alarmFlags: 0,
    statusFlags: null,
    odometerKm: null,
    seq: null,
    replay: false,
    extra: null,
  };
}

/**
 * A gateway hands the partitions that a detector of its own process follows straight to that detector; the broker
 * carries the other partitions, and all of them again once the detector is gone.
 */
describe('hand-off to a detector of the same process', () => {
  let broker: Mosquitto;
  let publisher: HandoffPublisher;
  let observer: MqttClient;
  const overBroker: { partition: number | null; vehicleIds: string[] }[] = [];

  beforeAll(async () => {
    broker = await startMosquitto(PORT);
    observer = await mqtt.connectAsync(broker.url, { clientId: 'handoff-observer' });
    await observer.subscribeAsync(HANDOFF_TOPIC_FILTER, { qos: 1 });
    observer.on('message', (topic, payload) => {
      const { data } = JSON.parse(payload.toString()) as { data: unknown };
      overBroker.push({
        partition: partitionOfTopic(topic),
        vehicleIds: readHandoffBatch(data).map((p) => p.vehicleId),
      });
    });
    publisher = new HandoffPublisher(
      broker.url,
      'gw-local-handoff',
      undefined,
      undefined,
      rootLogger('silent'),
      PARTITIONS,
    );
  });

  afterAll(async () => {
    await publisher?.close();
    await observer?.endAsync();
    await broker?.destroy();
  });

  it('gives the followed partition to the detector of this process and the others to the broker', async () => {
    const followed = handoffPartition(CAR_A, PARTITIONS);
    const taken: { topic: string; batch: HandoffBatch }[] = [];
    const detach = attachLocalHandoff({
      follows: (partition) => partition === followed,
      take: (topic, batch) => taken.push({ topic, batch }),
    });
    try {
      publisher.publish([position(CAR_A, 1_000), position(CAR_B, 1_000), position(CAR_A, 2_000)]);
      await waitFor(
        async () => overBroker.length,
        (n) => n >= 1,
      );
      expect(taken).toHaveLength(1);
      expect(partitionOfTopic(taken[0].topic)).toBe(followed);
      expect(readHandoffBatch(taken[0].batch).map((p) => [p.vehicleId, p.fixTime])).toEqual([
        [CAR_A, 1_000],
        [CAR_A, 2_000],
      ]);
      expect(overBroker).toEqual([{ partition: handoffPartition(CAR_B, PARTITIONS), vehicleIds: [CAR_B] }]);
    } finally {
      detach();
    }

    // Gone: both partitions go over the broker.
    publisher.publish([position(CAR_A, 3_000), position(CAR_B, 3_000)]);
    await waitFor(
      async () => overBroker.length,
      (n) => n >= 3,
    );
    expect(taken).toHaveLength(1);
    expect(
      overBroker
        .slice(1)
        .flatMap((m) => m.vehicleIds)
        .sort(),
    ).toEqual([CAR_A, CAR_B].sort());
  });

  it('goes on with the other partitions when the detector of this process fails to take a batch', async () => {
    overBroker.length = 0;
    const detach = attachLocalHandoff({
      follows: (partition) => partition === handoffPartition(CAR_A, PARTITIONS),
      take: () => {
        throw new Error('refused');
      },
    });
    try {
      publisher.publish([position(CAR_A, 4_000), position(CAR_B, 4_000)]);
      await waitFor(
        async () => overBroker.length,
        (n) => n >= 1,
      );
      expect(overBroker).toEqual([{ partition: handoffPartition(CAR_B, PARTITIONS), vehicleIds: [CAR_B] }]);
    } finally {
      detach();
    }
  });
});
