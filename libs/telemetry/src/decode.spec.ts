import { randomBytes } from 'node:crypto';
import { decodePositionMessage, MAX_PAYLOAD_BYTES } from './decode.js';
import { encodePositionBatchProto, encodePositionProto } from './proto.js';
import { REJECTION_MESSAGES, REJECTION_REASONS } from './reasons.js';

const RECEIVED = Date.parse('2026-11-26T08:00:00+08:00');
const TOPIC = 'telematics/v1/T-001/position';
const BATCH_TOPIC = 'telematics/v1/T-001/positions';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const good = { fixTime: '2026-11-26T07:59:30+08:00', lat: 31.2304, lon: 121.4737 };

describe('decodePositionMessage', () => {
  it('accepts a JSON position with every contract field and keeps unknown fields apart', () => {
    const result = decodePositionMessage(
      TOPIC,
      json({
        ...good,
        speedKmh: 42.5,
        headingDeg: 90,
        altitudeM: 12,
        satellites: 9,
        hdop: 0.8,
        valid: true,
        ignition: true,
        alarmFlags: 0b1_0000,
        statusFlags: 3,
        odometerKm: 12345.6,
        seq: 77,
        vendorTemp: 21.5,
        __proto__x: 1,
      }),
      RECEIVED,
    );
    expect(result.rejections).toEqual([]);
    expect(result.positions).toEqual([
      {
        terminalId: 'T-001',
        fixTime: Date.parse('2026-11-25T23:59:30Z'),
        receivedAt: RECEIVED,
        lat: 31.2304,
        lon: 121.4737,
        speedKmh: 42.5,
        headingDeg: 90,
        altitudeM: 12,
        satellites: 9,
        hdop: 0.8,
        valid: true,
        ignition: true,
        alarmFlags: 16,
        statusFlags: 3,
        odometerKm: 12345.6,
        seq: 77,
        replay: false,
        extra: { vendorTemp: 21.5, __proto__x: 1 },
      },
    ]);
  });

  it('accepts epoch milliseconds and offsets written without a colon', () => {
    const a = decodePositionMessage(TOPIC, json({ ...good, fixTime: RECEIVED - 1000 }), RECEIVED);
    const b = decodePositionMessage(TOPIC, json({ ...good, fixTime: '2026-11-26T07:59:30.123456+0800' }), RECEIVED);
    expect(a.positions[0].fixTime).toBe(RECEIVED - 1000);
    expect(b.positions[0].fixTime).toBe(Date.parse('2026-11-25T23:59:30.123Z'));
  });

  it('keeps a "__proto__" field as plain data, never as a prototype', () => {
    const result = decodePositionMessage(
      TOPIC,
      Buffer.from(`{"__proto__":{"polluted":1},"fixTime":${RECEIVED},"lat":1,"lon":2}`),
      RECEIVED,
    );
    expect(result.positions).toHaveLength(1);
    expect(Object.getPrototypeOf(result.positions[0].extra)).toBe(Object.prototype);
    expect(JSON.stringify(result.positions[0].extra)).toBe('{"__proto__":{"polluted":1}}');
  });

  it('drops unknown fields PostgreSQL could not store but still accepts the position', () => {
    const result = decodePositionMessage(TOPIC, json({ ...good, note: 'a\u0000b' }), RECEIVED);
    expect(result.positions[0].extra).toBeNull();
  });

  it.each([
    ['MALFORMED', Buffer.from('{"fixTime": '), TOPIC],
    ['MALFORMED', Buffer.from([0xff, 0xff, 0xff]), TOPIC],
    ['SCHEMA', json({ lat: 1, lon: 2 }), TOPIC],
    ['SCHEMA', json({ ...good, lat: '31.2' }), TOPIC],
    ['SCHEMA', json({ ...good, fixTime: '2026-11-26 07:00' }), TOPIC],
    ['SCHEMA', json({ ...good, speedKmh: -1 }), TOPIC],
    ['SCHEMA', json({ ...good, ignition: 'yes' }), TOPIC],
    ['SCHEMA', json({ ...good, headingDeg: 360 }), TOPIC],
    ['SCHEMA', json({ positions: 'none' }), BATCH_TOPIC],
    ['UNKNOWN_TERMINAL', json(good), 'telematics/v1/bad id!/position'],
    ['OUT_OF_RANGE', json({ ...good, lat: 91 }), TOPIC],
    ['OUT_OF_RANGE', json({ ...good, lon: -180.5 }), TOPIC],
    ['NULL_ISLAND', json({ ...good, lat: 0, lon: 0 }), TOPIC],
    ['FUTURE', json({ ...good, fixTime: RECEIVED + 5 * 60_000 + 1 }), TOPIC],
    ['TOO_OLD', json({ ...good, fixTime: RECEIVED - 30 * 86_400_000 - 1 }), TOPIC],
    ['TOO_LARGE', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), TOPIC],
    ['TOO_LARGE', json({ positions: Array.from({ length: 1001 }, () => good) }), BATCH_TOPIC],
  ])('rejects with %s: %#', (reason, payload, topic) => {
    const result = decodePositionMessage(topic, payload, RECEIVED);
    expect(result.positions).toEqual([]);
    expect(result.rejections).toHaveLength(1);
    expect(result.rejections[0].reason).toBe(reason);
    expect(result.rejections[0].payload.equals(payload)).toBe(true);
  });

  it('names the offending field in the detail', () => {
    const result = decodePositionMessage(TOPIC, json({ ...good, satellites: 2.5 }), RECEIVED);
    expect(result.rejections[0].detail).toMatch(/^satellites /);
  });

  it('stores a no-fix position at 0,0 (valid: false) instead of calling it null island', () => {
    const result = decodePositionMessage(TOPIC, json({ ...good, lat: 0, lon: 0, valid: false }), RECEIVED);
    expect(result.positions).toHaveLength(1);
    expect(result.positions[0].valid).toBe(false);
  });

  it('accepts a batch item by item: one bad item is rejected with its index, the rest kept', () => {
    const items = [good, { ...good, fixTime: RECEIVED - 2000, lat: 200 }, { ...good, fixTime: RECEIVED - 1000 }];
    const result = decodePositionMessage(BATCH_TOPIC, json({ positions: items, replay: true }), RECEIVED);
    expect(result.positions.map((p) => p.fixTime)).toEqual([Date.parse(good.fixTime), RECEIVED - 1000]);
    expect(result.positions.every((p) => p.replay)).toBe(true);
    expect(result.rejections).toHaveLength(1);
    expect(result.rejections[0]).toMatchObject({ reason: 'OUT_OF_RANGE', terminalId: 'T-001' });
    expect(result.rejections[0].detail).toMatch(/^positions\[1\]: /);
    expect(JSON.parse(result.rejections[0].payload.toString())).toEqual(items[1]);
  });

  it('round-trips a protobuf position with units converted', () => {
    const payload = encodePositionProto({
      fixTimeMs: RECEIVED - 5000,
      latE6: 31_230_400,
      lonE6: 121_473_700,
      speedDkmh: 425,
      headingDeg: 270,
      altitudeM: -3,
      satellites: 12,
      hdopD: 9,
      ignition: false,
      alarmFlags: 0x8000_0001,
      statusFlags: 2,
      odometerHm: 123_456,
      seq: 9,
    });
    const [position] = decodePositionMessage(TOPIC, payload, RECEIVED).positions;
    expect(position).toEqual({
      terminalId: 'T-001',
      fixTime: RECEIVED - 5000,
      receivedAt: RECEIVED,
      lat: 31.2304,
      lon: 121.4737,
      speedKmh: 42.5,
      headingDeg: 270,
      altitudeM: -3,
      satellites: 12,
      hdop: 0.9,
      valid: true,
      ignition: false,
      alarmFlags: 0x8000_0001,
      statusFlags: 2,
      odometerKm: 12345.6,
      seq: 9,
      replay: false,
      extra: null,
    });
  });

  it('round-trips a protobuf batch, rejecting only its bad item', () => {
    const payload = encodePositionBatchProto(
      [
        { fixTimeMs: RECEIVED - 3000, latE6: 1_000_000, lonE6: 2_000_000 },
        { fixTimeMs: RECEIVED - 2000, latE6: 0, lonE6: 0 },
        { fixTimeMs: RECEIVED - 1000, latE6: 0, lonE6: 0, valid: false },
      ],
      true,
    );
    const result = decodePositionMessage(BATCH_TOPIC, payload, RECEIVED);
    expect(result.positions.map((p) => [p.fixTime, p.valid, p.replay])).toEqual([
      [RECEIVED - 3000, true, true],
      [RECEIVED - 1000, false, true],
    ]);
    expect(result.rejections.map((r) => [r.reason, r.detail.slice(0, 12)])).toEqual([['NULL_ISLAND', 'positions[1]']]);
  });

  it('lets an MQTT 5 content type override the guess', () => {
    const asProto = decodePositionMessage(TOPIC, json(good), RECEIVED, 'application/x-protobuf');
    expect(asProto.positions).toEqual([]);
    const asJson = decodePositionMessage(
      TOPIC,
      Buffer.from(` \n${JSON.stringify(good)}`),
      RECEIVED,
      'application/json',
    );
    expect(asJson.positions).toHaveLength(1);
  });

  it('reads status messages', () => {
    const status = 'telematics/v1/T-001/status';
    expect(decodePositionMessage(status, json({ online: false }), RECEIVED)).toMatchObject({
      online: false,
      rejections: [],
    });
    expect(decodePositionMessage(status, json({ online: 'no' }), RECEIVED).rejections[0].reason).toBe('SCHEMA');
    expect(decodePositionMessage(status, Buffer.alloc(0), RECEIVED).rejections[0].reason).toBe('MALFORMED');
  });

  it('has a message for every reason code', () => {
    expect(REJECTION_REASONS).toHaveLength(13); // nine of the MQTT contract, four of JT/T 808 frames
    for (const reason of REJECTION_REASONS) expect(REJECTION_MESSAGES[reason].length).toBeGreaterThan(10);
  });

  it('never throws and always accounts for the message, whatever the bytes', () => {
    const topics = [TOPIC, BATCH_TOPIC, 'telematics/v1/T-001/status'];
    const seeds = [json(good), encodePositionProto({ fixTimeMs: RECEIVED, latE6: 1, lonE6: 1 })];
    for (let i = 0; i < 3000; i++) {
      let payload: Buffer;
      if (i % 3 === 0) payload = randomBytes(i % 200);
      else {
        payload = Buffer.from(seeds[i % 2]);
        for (let k = 0; k < 1 + (i % 4); k++) payload[(i * 31 + k * 7) % payload.length] = (i * 13 + k) & 0xff;
      }
      const topic = topics[i % 3];
      const result = decodePositionMessage(topic, payload, RECEIVED);
      const accounted = result.positions.length + result.rejections.length + (result.online === undefined ? 0 : 1);
      // Only an empty batch may legitimately yield nothing at all.
      if (topic !== BATCH_TOPIC) expect(accounted).toBeGreaterThan(0);
      for (const p of result.positions) {
        expect(Number.isFinite(p.lat) && Number.isFinite(p.lon) && Number.isSafeInteger(p.fixTime)).toBe(true);
      }
    }
  });
});
