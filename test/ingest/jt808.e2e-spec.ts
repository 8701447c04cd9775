import type { INestApplicationContext } from '@nestjs/common';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { HANDOFF_TOPIC_FILTER, readHandoffBatch, type HandoffPosition } from '#app/handoff';
import {
  ALARM,
  driverIdentityBody,
  encodeFrame,
  locationBatchBody,
  locationBody,
  MSG,
  registrationBody,
  STATUS,
  type Edition,
} from '#app/jt808';
import { Jt808Terminal } from '#app/simulator';
import { createGatewayContext } from '../../apps/gateway/src/gateway.app.js';
import { IngestService } from '../../apps/gateway/src/ingest/ingest.service.js';
import { freePort } from '../support/service-process.js';
import { testConfig, testInfrastructure } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { count, registerFleet, waitFor } from './support/fleet.js';

describe('JT/T 808 terminals over TCP into the same pipeline as MQTT', () => {
  let database: TestDatabase;
  let db: pg.Pool;
  let gateway: INestApplicationContext;
  let port: number;
  let detector: MqttClient;
  const handedOff: HandoffPosition[] = [];
  const terminals: Jt808Terminal[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    await registerFleet(db, ['13600000001', '13600000002', '13600000003', '13600000004', '17299841738']);
    await registerFleet(db, ['13600000009'], { unbound: true });
    await registerFleet(db, ['13600000008'], { inactive: true });
    port = await freePort();
    const config = testConfig(database.url, {
      JT808_PORT: String(port),
      JT808_HOST: '127.0.0.1',
      INGEST_CLIENT_ID: `gw-jt808-${port}`,
    });
    const infra = testInfrastructure(config);
    detector = await mqtt.connectAsync(config.mqttUrl!, { clientId: `detector-jt808-${port}` });
    await detector.subscribeAsync(HANDOFF_TOPIC_FILTER, { qos: 1 });
    detector.on('message', (_topic, payload) => {
      const { data } = JSON.parse(payload.toString()) as { data: unknown };
      handedOff.push(...readHandoffBatch(data));
    });
    gateway = await createGatewayContext(config, infra);
  });

  afterAll(async () => {
    for (const t of terminals) t.close();
    await detector?.endAsync();
    await gateway?.close();
    await db?.end();
    await database?.drop();
  });

  async function terminal(phone: string, edition: Edition = 2013, plate?: string): Promise<Jt808Terminal> {
    const t = new Jt808Terminal({ host: '127.0.0.1', port, phone, edition, plate });
    terminals.push(t);
    await t.connect();
    return t;
  }
  const rejected = (topic: string, n = 1) =>
    waitFor(
      () =>
        db
          .query('SELECT reason, terminal_id, detail, payload FROM rejected_messages WHERE topic = $1 ORDER BY id', [
            topic,
          ])
          .then((r) => r.rows),
      (rows) => rows.length >= n,
    );
  const fix = (offsetS: number) => Math.floor((Date.now() - 60_000) / 1000) * 1000 + offsetS * 1000;

  it.each([
    ['an unknown terminal', 4, '13699999999', undefined],
    ['a deactivated terminal', 4, '13600000008', undefined],
    ['a terminal bound to no car', 2, '13600000009', undefined],
    ['a plate that is not the bound car’s', 2, '13600000001', '京A00000'],
  ])('refuses the registration of %s with result %i and stores no code', async (_, result, phone, plate) => {
    const t = await terminal(phone, 2013, plate);
    expect(await t.signOn()).toBe(result);
    expect(await count(db, 'SELECT count(*) AS n FROM jt808_auth_codes WHERE terminal_id = $1', [phone])).toBe(0);
  });

  it('registers with an auth code stored only as a hash; a wrong code is refused and the connection closed', async () => {
    const t = await terminal('13600000001');
    expect(await t.signOn()).toBe(0);
    const { rows } = await db.query('SELECT code_hash FROM jt808_auth_codes WHERE terminal_id = $1', ['13600000001']);
    expect(rows[0].code_hash).toMatch(/^[0-9a-f]{64}$/);
    const intruder = await terminal('13600000001');
    const reply = await intruder.request(MSG.AUTHENTICATE, Buffer.from('not-the-code'));
    expect(reply.result).toBe(1);
    await waitFor(
      async () => intruder.connected,
      (c) => !c,
      5000,
    );
    expect(intruder.connected).toBe(false);
  });

  it('records a position sent before authentication as UNAUTHENTICATED and answers result 1', async () => {
    const t = await terminal('13600000002');
    const result = await t.report({ lat: 31, lon: 121, fixTime: fix(0) });
    expect(result).toBe(1);
    const [row] = await rejected('jt808/0x0200');
    expect(row).toMatchObject({ reason: 'UNAUTHENTICATED', terminal_id: '13600000002' });
    expect(await count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1', ['13600000002'])).toBe(0);
  });

  it.each([2013, 2019] as const)(
    'stores a %i location with every field; the 0x8001 comes only once the row is committed; handed off',
    async (edition) => {
      const phone = edition === 2013 ? '13600000003' : '17299841738';
      const t = await terminal(phone, edition);
      expect(await t.signOn()).toBe(0);
      const fixTime = fix(edition === 2013 ? 1 : 2);
      const result = await t.report({
        lat: -31.5,
        lon: -121.25,
        altitudeM: 312,
        speedKmh: 45.6,
        direction: 99,
        fixTime,
        status: STATUS.ACC | STATUS.POSITIONED,
        alarm: ALARM.ANTENNA_CUT | ALARM.POWER_OFF,
        items: [
          { id: 0x01, value: Buffer.from('00000457', 'hex') },
          { id: 0x02, value: Buffer.from('01f4', 'hex') },
          { id: 0x03, value: Buffer.from('01c8', 'hex') },
          { id: 0x30, value: Buffer.from([23]) },
          { id: 0x31, value: Buffer.from([14]) },
          { id: 0xe1, value: Buffer.from('cafe', 'hex') },
        ],
      });
      expect(result).toBe(0);
      // Read at once: the acknowledgement promised the row is there.
      const { rows } = await db.query('SELECT * FROM positions WHERE terminal_id = $1', [phone]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        lat: -31.5,
        lon: -121.25,
        altitude_m: 312,
        speed_kmh: 45.6,
        heading_deg: 99,
        valid: true,
        ignition: true,
        satellites: 14,
        odometer_km: 111.1,
        alarm_flags: String(ALARM.ANTENNA_CUT | ALARM.POWER_OFF),
        status_flags: String(STATUS.ACC | STATUS.POSITIONED | STATUS.SOUTH | STATUS.WEST),
        replay: false,
        extra: { fuelL: 50, tachographSpeedKmh: 45.6, signal: 23, items: { '0xe1': 'cafe' } },
      });
      expect(rows[0].fix_time.getTime()).toBe(fixTime);
      await waitFor(
        async () => handedOff.filter((p) => p.terminalId === phone).length,
        (n) => n === 1,
      );
      expect(handedOff.find((p) => p.terminalId === phone)).toMatchObject({
        alarmFlags: ALARM.ANTENNA_CUT | ALARM.POWER_OFF,
      });
    },
  );

  it('takes a blind-area batch item by item: a future item is rejected, a repeated one stored once, the rest stored as replay', async () => {
    const t = await terminal('13600000004', 2019);
    expect(await t.signOn()).toBe(0);
    const items = [fix(10), fix(11), Date.now() + 3_600_000, fix(11)].map((fixTime) =>
      locationBody({ lat: 30, lon: 120, fixTime }),
    );
    const reply = await t.request(MSG.LOCATION_BATCH, locationBatchBody(items, true));
    expect(reply.result).toBe(0);
    const { rows } = await db.query('SELECT replay FROM positions WHERE terminal_id = $1', ['13600000004']);
    expect(rows).toEqual([{ replay: true }, { replay: true }]);
    const [row] = await rejected('jt808/0x0704');
    expect(row).toMatchObject({ reason: 'FUTURE', terminal_id: '13600000004' });
    expect(row.detail).toContain('item 2');
  });

  it('records a bad check code as CHECKSUM, answers result 2, and keeps the connection', async () => {
    const t = await terminal('13600000003');
    expect(await t.signOn()).toBe(0);
    const frame = encodeFrame({
      msgId: MSG.LOCATION,
      edition: 2013,
      phone: '13600000003',
      serial: 900,
      body: locationBody({ lat: 1, lon: 2, fixTime: fix(20) }),
    });
    frame[frame.length - 2] ^= 0x01;
    if (frame[frame.length - 2] === 0x7e || frame[frame.length - 2] === 0x7d) frame[frame.length - 2] ^= 0x03;
    const replies = t.received.length;
    t.writeRaw(frame);
    await waitFor(
      async () => t.received.length,
      (n) => n > replies,
      5000,
    );
    const reply = t.received.at(-1)!;
    expect(reply.header.msgId).toBe(MSG.PLATFORM_RESPONSE);
    expect([reply.body.readUInt16BE(0), reply.body[4]]).toEqual([900, 2]);
    const rows = await rejected('jt808/0x0200', 2);
    expect(rows.find((r) => r.reason === 'CHECKSUM')).toMatchObject({ terminal_id: '13600000003' });
    expect(await t.report({ lat: 31, lon: 121, fixTime: fix(21) })).toBe(0);
  });

  it('accepts a heartbeat before authentication, but refuses another terminal’s number on an authenticated connection', async () => {
    const t = await terminal('13600000003', 2019);
    expect((await t.request(MSG.HEARTBEAT, Buffer.alloc(0))).result).toBe(0);
    expect(await t.signOn()).toBe(0);
    const replies = t.received.length;
    const foreign = encodeFrame({
      msgId: MSG.LOCATION,
      edition: 2019,
      phone: '13600000004',
      serial: 4242,
      body: locationBody({ lat: 31, lon: 121, fixTime: fix(50) }),
    });
    t.writeRaw(foreign);
    await waitFor(
      async () => t.received.length,
      (n) => n > replies,
      5000,
    );
    const reply = t.received.at(-1)!;
    // The reply answers the frame in its own edition and number.
    expect(reply.header).toMatchObject({ msgId: MSG.PLATFORM_RESPONSE, edition: 2019, phone: '00000000013600000004' });
    expect([reply.body.readUInt16BE(0), reply.body[4]]).toEqual([4242, 1]);
    const rows = await rejected('jt808/0x0200', 2);
    expect(rows.at(-1)).toMatchObject({ reason: 'UNAUTHENTICATED', terminal_id: '13600000004' });
    expect(rows.at(-1)!.detail).toContain('belongs to terminal 13600000003');
  });

  it('does not hold sub-packets of a connection that has not authenticated', async () => {
    const t = new Jt808Terminal({ host: '127.0.0.1', port, phone: '13600000002', edition: 2013, packetBytes: 100 });
    terminals.push(t);
    await t.connect();
    const body = locationBatchBody(
      [locationBody({ lat: 30, lon: 120, fixTime: fix(60) }), locationBody({ lat: 30, lon: 120, fixTime: fix(61) })],
      false,
    );
    const replies = await Promise.race([
      t.sendPacketsExcept(MSG.LOCATION_BATCH, body, []).then((r) => r.result),
      new Promise((r) => setTimeout(() => r('no reply'), 3000)),
    ]);
    expect(replies).toBe(1);
    const rows = await rejected('jt808/0x0704', 2);
    expect(
      rows.filter((r) => r.reason === 'UNAUTHENTICATED' && r.terminal_id === '13600000002').length,
    ).toBeGreaterThan(0);
  });

  it('answers an unsupported message with result 3 and records it', async () => {
    const t = await terminal('13600000003');
    expect(await t.signOn()).toBe(0);
    const reply = await t.request(0x0f0f, Buffer.from('00', 'hex'));
    expect(reply.result).toBe(3);
    const [row] = await rejected('jt808/0x0f0f');
    expect(row).toMatchObject({ reason: 'UNSUPPORTED', terminal_id: '13600000003' });
  });

  it('reassembles a batch in sub-packets, asking with 0x8003 for the one left out', async () => {
    const t = new Jt808Terminal({ host: '127.0.0.1', port, phone: '13600000004', edition: 2013, packetBytes: 200 });
    terminals.push(t);
    await t.connect();
    expect(await t.signOn()).toBe(0);
    const items = Array.from({ length: 20 }, (_, i) => locationBody({ lat: 29, lon: 119, fixTime: fix(30 + i) }));
    const body = locationBatchBody(items, false);
    const reply = await t.sendPacketsExcept(MSG.LOCATION_BATCH, body, [2]);
    expect(reply.result).toBe(0);
    expect(t.received.some((f) => f.header.msgId === MSG.REREQUEST_PACKETS)).toBe(true);
    expect(
      await count(db, 'SELECT count(*) AS n FROM positions WHERE terminal_id = $1 AND lat = 29', ['13600000004']),
    ).toBe(20);
  }, 20_000);

  it('stores a driver-card swipe (2019 layout, GBK name) against the car and answers after storing', async () => {
    const t = await terminal('17299841738', 2019);
    expect(await t.signOn()).toBe(0);
    const at = fix(40);
    const body = driverIdentityBody(
      {
        inserted: true,
        at,
        name: '张三',
        certificateNo: '110101199001011234',
        issuer: '北京市交通委',
        idCardNo: '110101199001011234',
      },
      2019,
    );
    expect((await t.request(MSG.DRIVER_IDENTITY, body)).result).toBe(0);
    const { rows } = await db.query('SELECT * FROM driver_card_events WHERE terminal_id = $1', ['17299841738']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event: 'inserted',
      name: '张三',
      issuer: '北京市交通委',
      certificate_no: '110101199001011234',
    });
    expect(rows[0].vehicle_id).not.toBeNull();
    expect(rows[0].at.getTime()).toBe(at);
  });

  it('registers a 2013 terminal whose plate matches the bound car', async () => {
    const { rows } = await db.query(
      `UPDATE vehicles SET plate_number = '苏N·A1234', plate_normalized = '苏NA1234'
       WHERE id = (SELECT vehicle_id FROM terminal_bindings WHERE terminal_id = '13600000002') RETURNING id`,
    );
    expect(rows).toHaveLength(1);
    const t = await terminal('13600000002', 2013, '苏N A1234');
    expect(await t.signOn()).toBe(0);
    expect(
      registrationBody({ maker: 'a', model: 'b', deviceId: 'c', plateColour: 1, plate: '苏N A1234' }, 2013).length,
    ).toBe(37 + 9);
  });
  it('keeps a car online while its terminal sends only heartbeats, by the same rule as MQTT', async () => {
    const quiet = await terminal('13600000004');
    expect(await quiet.signOn()).toBe(0);
    expect(await quiet.report({ lat: 31.2, lon: 121.4, fixTime: fix(5) })).toBe(0);
    const online = (id: string) =>
      db.query('SELECT online FROM vehicle_live WHERE terminal_id = $1', [id]).then((r) => r.rows[0]?.online);
    await waitFor(
      () => online('13600000004'),
      (o) => o === true,
    );
    // Ten minutes pass with no position: only a heartbeat comes.
    const aged = `UPDATE vehicle_live SET received_at = now() - interval '10 min',
      online_changed_at = now() - interval '10 min', heard_at = now() - interval '10 min' WHERE terminal_id = $1`;
    await db.query(aged, ['13600000004']);
    expect((await quiet.request(MSG.HEARTBEAT, Buffer.alloc(0))).result).toBe(0);
    const sweep = gateway.get(IngestService);
    await sweep.markSilentOffline(new Date());
    expect(await online('13600000004')).toBe(true);
    // Without the heartbeat the same silence turns the car offline, and the next heartbeat brings it back.
    await db.query(aged, ['13600000004']);
    await sweep.markSilentOffline(new Date());
    expect(await online('13600000004')).toBe(false);
    expect((await quiet.request(MSG.HEARTBEAT, Buffer.alloc(0))).result).toBe(0);
    expect(await online('13600000004')).toBe(true);
  });
});
