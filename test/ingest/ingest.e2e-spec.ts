import type { INestApplicationContext } from '@nestjs/common';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { HANDOFF_TOPIC_FILTER, readHandoffBatch, type HandoffPosition } from '#app/handoff';
import { encodePositionBatchProto, encodePositionProto } from '#app/telemetry';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { IngestService } from '../../apps/gateway/src/ingest/ingest.service.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor, waitForGateway, type FleetTerminal } from './support/fleet.js';
import { startMosquitto, type Mosquitto } from './support/mosquitto.js';

const PORT = 18841;

describe('ingest: terminals over MQTT into the positions store', () => {
  let broker: Mosquitto;
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: INestApplicationContext;
  let ingest: IngestService;
  let terminal: MqttClient;
  let detector: MqttClient;
  const handedOff: HandoffPosition[] = [];
  let fleet: FleetTerminal[];

  beforeAll(async () => {
    broker = await startMosquitto(PORT);
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    fleet = await registerFleet(db, ['T-1', 'T-2', 'T-3']);
    await registerFleet(db, ['T-LIVE']);
    await registerFleet(db, ['T-OFF'], { inactive: true });
    await registerFleet(db, ['T-LOOSE', 'PROBE'], { unbound: true });
    const config = testConfig(database.url, { MQTT_URL: broker.url, INGEST_CLIENT_ID: 'gw-ingest-e2e' });
    // Stands in for the detector: the hand-off is plain MQTT underneath.
    detector = await mqtt.connectAsync(broker.url, { clientId: 'detector-probe' });
    await detector.subscribeAsync(HANDOFF_TOPIC_FILTER, { qos: 1 });
    detector.on('message', (_topic, payload) => {
      const { data } = JSON.parse(payload.toString()) as { data: unknown };
      handedOff.push(...readHandoffBatch(data));
    });
    gateway = await createGatewayContext(config, testInfrastructure(config));
    ingest = gateway.get(IngestService);
    terminal = await mqtt.connectAsync(broker.url, { clientId: 'terminal-sim', protocolVersion: 5 });
    await waitForGateway(db, (topic, payload) => terminal.publishAsync(topic, payload, { qos: 1 }), 'PROBE');
  });

  afterAll(async () => {
    await terminal?.endAsync();
    await detector?.endAsync();
    await gateway?.close();
    await db?.end();
    await database?.drop();
    await broker?.destroy();
  });

  const now = () => Date.now();
  const publish = (topic: string, payload: string | Buffer, contentType?: string) =>
    terminal.publishAsync(topic, payload, { qos: 1, properties: contentType ? { contentType } : undefined });
  const json = (value: unknown) => JSON.stringify(value);
  const rejectedFor = (topic: string, n = 1) =>
    waitFor(
      () =>
        db
          .query(
            'SELECT reason, terminal_id, detail, payload, payload_size FROM rejected_messages WHERE topic = $1 ORDER BY id',
            [topic],
          )
          .then((r) => r.rows),
      (rows) => rows.length >= n,
    );

  it('stores a JSON position with its car, the live state, and hands it to the detector', async () => {
    const fixTime = now() - 10_000;
    await publish(
      'telematics/v1/T-1/position',
      json({ fixTime, lat: 31.1, lon: 121.2, speedKmh: 30, ignition: true, extraProbe: 'x' }),
    );
    const rows = await waitFor(
      () => db.query('SELECT * FROM positions WHERE terminal_id = $1', ['T-1']).then((r) => r.rows),
      (r) => r.length === 1,
    );
    expect(rows[0]).toMatchObject({
      vehicle_id: fleet[0].vehicleId,
      lat: 31.1,
      lon: 121.2,
      speed_kmh: 30,
      ignition: true,
      extra: { extraProbe: 'x' },
    });
    expect(rows[0].fix_time.getTime()).toBe(fixTime);
    // The live table follows within half a second, by a flush of its own when nothing else comes.
    const live = await waitFor(
      () => db.query('SELECT * FROM vehicle_live WHERE terminal_id = $1', ['T-1']).then((r) => r.rows),
      (r) => r.length === 1,
    );
    expect(live[0]).toMatchObject({ vehicle_id: fleet[0].vehicleId, lat: 31.1, online: true });
    const got = await waitFor(
      async () => handedOff.filter((p) => p.terminalId === 'T-1'),
      (p) => p.length === 1,
    );
    expect(got[0]).toMatchObject({ vehicleId: fleet[0].vehicleId, fixTime, lat: 31.1 });
  });

  it('writes the live state of a last message within a second, with no further message to carry it', async () => {
    const lats: number[] = [];
    const stored = (lat: number) =>
      waitFor(
        () => count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1 AND lat = $2', ['T-LIVE', lat]),
        (n) => n === 1,
      );
    // Two fixes in quick succession: the second one's flush comes too soon after a live write to write it.
    for (const lat of [32.01, 32.02]) {
      lats.push(lat);
      await publish('telematics/v1/T-LIVE/position', json({ fixTime: now() - 5_000 + lats.length, lat, lon: 120 }));
      await stored(lat);
    }
    const live = await waitFor(
      () => db.query('SELECT lat FROM vehicle_live WHERE terminal_id = $1', ['T-LIVE']).then((r) => r.rows[0]?.lat),
      (lat) => lat === 32.02,
      3_000,
    );
    expect(live).toBe(32.02);
  });

  it('stores protobuf positions and batches, converting units', async () => {
    const fixTime = now() - 20_000;
    await publish(
      'telematics/v1/T-2/position',
      Buffer.from(encodePositionProto({ fixTimeMs: fixTime, latE6: 30_500_000, lonE6: 120_250_000, speedDkmh: 555 })),
    );
    await publish(
      'telematics/v1/T-2/positions',
      Buffer.from(
        encodePositionBatchProto(
          [
            { fixTimeMs: fixTime - 2000, latE6: 1_000_000, lonE6: 2_000_000 },
            { fixTimeMs: fixTime - 1000, latE6: 1_500_000, lonE6: 2_500_000 },
          ],
          true,
        ),
      ),
    );
    const rows = await waitFor(
      () =>
        db
          .query(
            'SELECT fix_time, lat, lon, speed_kmh, replay FROM positions WHERE terminal_id = $1 ORDER BY fix_time',
            ['T-2'],
          )
          .then((r) => r.rows),
      (r) => r.length === 3,
    );
    expect(rows.map((r) => [r.fix_time.getTime(), r.lat, r.lon, r.replay])).toEqual([
      [fixTime - 2000, 1, 2, true],
      [fixTime - 1000, 1.5, 2.5, true],
      [fixTime, 30.5, 120.25, false],
    ]);
    expect(rows[2].speed_kmh).toBeCloseTo(55.5);
  });

  it('stores a duplicate (same terminal and fix time) once and counts it', async () => {
    const before = ingest.metrics.duplicates;
    const fixTime = now() - 30_000;
    const payload = json({ fixTime, lat: 10, lon: 20 });
    await publish('telematics/v1/T-3/position', payload);
    await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1', ['T-3']),
      (n) => n === 1,
    );
    await publish('telematics/v1/T-3/position', payload);
    await publish(
      'telematics/v1/T-3/positions',
      json({
        positions: [
          { fixTime, lat: 10, lon: 20 },
          { fixTime, lat: 10, lon: 20 },
        ],
      }),
    );
    await waitFor(
      async () => ingest.metrics.duplicates - before,
      (n) => n === 3,
    );
    expect(ingest.metrics.duplicates - before).toBe(3);
    expect(await count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1', ['T-3'])).toBe(1);
  });

  it('keeps every out-of-order position, and the live state at the newest fix', async () => {
    const base = now() - 60_000;
    for (const offset of [3000, 1000, 4000, 2000]) {
      await publish('telematics/v1/T-1/position', json({ fixTime: base + offset, lat: 20 + offset / 1000, lon: 100 }));
    }
    await waitFor(
      () => count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1 AND lon = 100', ['T-1']),
      (n) => n === 4,
    );
    // Let the live table catch up with these (older) fixes: the fix at base+10 s from the first test is
    // newer still and stays.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const live = await db.query('SELECT lat FROM vehicle_live WHERE terminal_id = $1', ['T-1']);
    expect(live.rows[0].lat).toBe(31.1);
    await publish('telematics/v1/T-1/position', json({ fixTime: now() - 1000, lat: 24, lon: 100 }));
    await waitFor(
      () => db.query('SELECT lat FROM vehicle_live WHERE terminal_id = $1', ['T-1']).then((r) => r.rows[0].lat),
      (lat) => lat === 24,
    );
    const mine = handedOff.filter((p) => p.terminalId === 'T-1').map((p) => p.fixTime);
    expect(mine).toEqual(expect.arrayContaining([base + 1000, base + 2000, base + 3000, base + 4000]));
  });

  it('accepts a batch item by item: one bad item is recorded, the others stored', async () => {
    const base = now() - 90_000;
    const topic = 'telematics/v1/T-2/positions';
    await publish(
      topic,
      json({
        positions: [
          { fixTime: base, lat: 5, lon: 6 },
          { fixTime: base + 1, lat: 'x', lon: 6 },
          { fixTime: base + 2, lat: 5, lon: 6 },
        ],
      }),
    );
    const [rejected] = await rejectedFor(topic);
    expect(rejected).toMatchObject({ reason: 'SCHEMA', terminal_id: 'T-2' });
    expect(rejected.detail).toContain('positions[1]');
    expect(JSON.parse(rejected.payload.toString())).toEqual({ fixTime: base + 1, lat: 'x', lon: 6 });
    expect(await count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1 AND lat = 5', ['T-2'])).toBe(2);
  });

  it.each([
    ['MALFORMED', 'telematics/v1/T-3/position', () => '{"fixTime": 1, lat'],
    ['SCHEMA', 'telematics/v1/T-3/position', () => json({ lat: 1, lon: 2 })],
    ['OUT_OF_RANGE', 'telematics/v1/T-1/position', () => json({ fixTime: Date.now() - 5, lat: -91, lon: 2 })],
    ['NULL_ISLAND', 'telematics/v1/T-2/position', () => json({ fixTime: Date.now() - 6, lat: 0, lon: 0 })],
    ['FUTURE', 'telematics/v1/T-3/position', () => json({ fixTime: Date.now() + 3_600_000, lat: 1, lon: 2 })],
    ['TOO_OLD', 'telematics/v1/T-1/position', () => json({ fixTime: '2020-01-01T00:00:00Z', lat: 1, lon: 2 })],
    [
      'TOO_LARGE',
      'telematics/v1/T-2/positions',
      () => json({ positions: Array.from({ length: 1001 }, (_, i) => ({ fixTime: Date.now() - i, lat: 1, lon: 2 })) }),
    ],
    ['UNKNOWN_TERMINAL', 'telematics/v1/NOBODY/position', () => json({ fixTime: Date.now() - 7, lat: 1, lon: 2 })],
    ['INACTIVE_TERMINAL', 'telematics/v1/T-OFF/position', () => json({ fixTime: Date.now() - 8, lat: 1, lon: 2 })],
  ])('records %s with topic, terminal, reason and the raw payload', async (reason, topic, payload) => {
    const body = payload();
    const before = ingest.metrics.rejected[reason as keyof typeof ingest.metrics.rejected];
    const existing = await count(db, 'SELECT count(*) AS n FROM rejected_messages WHERE topic = $1', [topic]);
    await publish(topic, body);
    const rows = await rejectedFor(topic, existing + 1);
    const row = rows[rows.length - 1];
    expect(row.reason).toBe(reason);
    expect(row.terminal_id).toBe(topic.split('/')[2]);
    expect(row.payload_size).toBe(Buffer.byteLength(body));
    expect(row.payload.length).toBe(Math.min(4096, Buffer.byteLength(body)));
    expect(row.payload.equals(Buffer.from(body).subarray(0, 4096))).toBe(true);
    await waitFor(
      async () => ingest.metrics.rejected[reason as keyof typeof ingest.metrics.rejected],
      (n) => n === before + 1,
    );
  });

  it('accepts a terminal with no car bound (stored without a car, not handed to the detector)', async () => {
    await publish('telematics/v1/T-LOOSE/position', json({ fixTime: now() - 3000, lat: 1, lon: 1 }));
    const rows = await waitFor(
      () => db.query('SELECT vehicle_id FROM positions WHERE terminal_id = $1', ['T-LOOSE']).then((r) => r.rows),
      (r) => r.length === 1,
    );
    expect(rows[0].vehicle_id).toBeNull();
    expect(handedOff.some((p) => p.terminalId === 'T-LOOSE')).toBe(false);
  });

  it('follows the status topic: offline, then online again with the change time', async () => {
    await publish('telematics/v1/T-3/status', json({ online: false }));
    const off = await waitFor(
      () =>
        db
          .query('SELECT online, online_changed_at FROM vehicle_live WHERE terminal_id = $1', ['T-3'])
          .then((r) => r.rows[0]),
      (row) => row?.online === false,
    );
    expect(off.online).toBe(false);
    await publish('telematics/v1/T-3/status', json({ online: true }));
    const on = await waitFor(
      () =>
        db
          .query('SELECT online, online_changed_at FROM vehicle_live WHERE terminal_id = $1', ['T-3'])
          .then((r) => r.rows[0]),
      (row) => row.online === true,
    );
    expect(on.online_changed_at.getTime()).toBeGreaterThan(off.online_changed_at.getTime());
  });

  it('lets an MQTT 5 content type decide the encoding', async () => {
    const topic = 'telematics/v1/T-1/position';
    const existing = await count(db, 'SELECT count(*) AS n FROM rejected_messages WHERE topic = $1', [topic]);
    await publish(topic, json({ fixTime: now() - 4000, lat: 1, lon: 1 }), 'application/x-protobuf');
    const rows = await rejectedFor(topic, existing + 1);
    expect(['MALFORMED', 'SCHEMA']).toContain(rows[rows.length - 1].reason);
  });

  it('records a message the database refuses as rejected and stores the rest of its batch', async () => {
    // Validation should make this impossible; a constraint stands in for a value it missed.
    await db.query('ALTER TABLE position_rows ADD CONSTRAINT poison_probe CHECK (lat_e6 <> 12345000)');
    try {
      const base = now() - 120_000;
      const topic = 'telematics/v1/T-3/positions';
      await Promise.all([
        publish('telematics/v1/T-1/position', json({ fixTime: base, lat: 12.5, lon: 1 })),
        publish(topic, json({ positions: [{ fixTime: base + 1, lat: 12.345, lon: 1 }] })),
        publish('telematics/v1/T-2/position', json({ fixTime: base + 2, lat: 12.5, lon: 1 })),
      ]);
      const [rejected] = await rejectedFor(topic);
      expect(rejected).toMatchObject({ reason: 'SCHEMA', terminal_id: 'T-3' });
      expect(rejected.detail).toContain('23514');
      // The good two may have come in another batch than the refused one: wait for them, then check.
      expect(
        await waitFor(
          () => count(db, 'SELECT count(*) AS n FROM positions WHERE lat = 12.5 AND fix_time >= $1', [new Date(base)]),
          (n) => n >= 2,
        ),
      ).toBe(2);
      // The pipeline goes on.
      await publish('telematics/v1/T-1/position', json({ fixTime: base + 3, lat: 12.6, lon: 1 }));
      await waitFor(
        () => count(db, 'SELECT count(*) AS n FROM positions WHERE lat = 12.6'),
        (n) => n === 1,
      );
    } finally {
      await db.query('ALTER TABLE position_rows DROP CONSTRAINT poison_probe');
    }
  });

  it('turns a terminal offline after the configured silence even without a status message', async () => {
    const now = new Date('2026-11-26T02:00:00Z');
    await db.query(
      `INSERT INTO vehicle_live (terminal_id, received_at, online, online_changed_at) VALUES
         ('SILENT', $1::timestamptz - interval '301 seconds', true, $1::timestamptz - interval '1 hour'),
         ('CHATTY', $1::timestamptz - interval '299 seconds', true, $1::timestamptz - interval '1 hour')`,
      [now],
    );
    await ingest.markSilentOffline(now);
    const { rows } = await db.query(
      `SELECT terminal_id, online, online_changed_at FROM vehicle_live WHERE terminal_id IN ('SILENT', 'CHATTY') ORDER BY terminal_id`,
    );
    expect(rows.map((r) => [r.terminal_id, r.online])).toEqual([
      ['CHATTY', true],
      ['SILENT', false],
    ]);
    expect(rows[1].online_changed_at.getTime()).toBe(now.getTime());
  });

  it('acknowledged every message only after its commit, and has nothing left uncommitted', async () => {
    await waitFor(
      async () => ingest.metrics.uncommitted,
      (n) => n === 0,
    );
    const m = ingest.metrics.snapshot();
    expect(m.uncommitted).toBe(0);
    expect(m.acked).toBe(m.messages);
    expect(m.brokerDropped).toBe(0);
  });
});
