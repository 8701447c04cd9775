import fc from 'fast-check';
import {
  decodePositionMessage,
  encodePositionBatchProto,
  encodePositionProto,
  REJECTION_REASONS,
  type DecodedMessage,
  type ProtoPosition,
} from '#app/telemetry';

/**
 * Generated MQTT messages for the terminal decoders (JSON and protobuf), and what must hold for each:
 * the decoder returns (never throws), never reaches its catch-all (that would be a decoder bug hidden as
 * MALFORMED), records every rejection with a known reason and a detail, accounts for a single position
 * either as stored or as rejected, and only accepts positions whose values fit their columns.
 */

export const FUZZ_RECEIVED_AT = Date.parse('2026-11-26T08:00:00+08:00');
const CATCH_ALL = 'the payload could not be decoded';
const REASONS = new Set<string>(REJECTION_REASONS);

export interface FuzzInput {
  topic: string;
  payload: Uint8Array;
  contentType?: string;
}

const terminal = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('T-001', '13800000001', 'A_b-9') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const kind = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('position', 'positions', 'status') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const topic = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(terminal, kind).map(([t, k]) => `telematics/v1/${t}/${k}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);
const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/x-protobuf',
    'application/protobuf',
    'text/plain',
    'APPLICATION/JSON; charset=utf-8',
    '',
  ),
  { nil: undefined },
);

/** Numbers at and beyond every bound the decoder knows. */
const edgyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    0,
    -0,
    90,
    -90,
    90.000001,
    180,
    -180.000001,
    1e9,
    1e21,
    -1e21,
    2 ** 53,
    2 ** 63,
    0xffff_ffff,
    2 ** 32,
  ),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE),
);
const edgyTime = fc.oneof(
  fc.integer({ min: FUZZ_RECEIVED_AT - 40 * 86_400_000, max: FUZZ_RECEIVED_AT + 3_600_000 }),
  fc
    .integer({ min: FUZZ_RECEIVED_AT - 40 * 86_400_000, max: FUZZ_RECEIVED_AT + 3_600_000 })
    .map((t) => new Date(t).toISOString()),
  fc.constantFrom(
    '2026-11-26T07:59:30+08:00',
    '2026-11-26T07:59:30.123456789+0800',
    '2026-02-30T10:00:00Z',
    '2026-11-26T25:00:00Z',
    '2026-11-26T07:59:30+25:00',
    '+275760-09-13T00:00:00Z',
    '',
  ),
  edgyNumber,
  fc.string({ maxLength: 30 }),
);
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: edgyNumber },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
const jsonPosition = fc.record(
  {
    fixTime: edgyTime,
    lat: fc.oneof(fc.double({ min: -91, max: 91 }), fieldValue),
    lon: fc.oneof(fc.double({ min: -181, max: 181 }), fieldValue),
    speedKmh: fieldValue,
    headingDeg: fieldValue,
    altitudeM: fieldValue,
    satellites: fieldValue,
    hdop: fieldValue,
    valid: fieldValue,
    ignition: fieldValue,
    alarmFlags: fieldValue,
    statusFlags: fieldValue,
    odometerKm: fieldValue,
    seq: fieldValue,
    vendor: fc.jsonValue({ maxDepth: 4 }),
    __proto__: fc.jsonValue({ maxDepth: 2 }),
    constructor: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: [] },
);
/** A valid position with any of its fields replaced: the boundary between stored and rejected. */
const nearValidJson = fc
  .tuple(
    fc.integer({ min: FUZZ_RECEIVED_AT - 29 * 86_400_000, max: FUZZ_RECEIVED_AT + 4 * 60_000 }),
    fc.double({ min: -90, max: 90, noNaN: true }),
    fc.double({ min: -180, max: 180, noNaN: true }),
    jsonPosition,
    fc.boolean(),
    fc.boolean(),
  )
  .map(([t, lat, lon, wild, iso, keepCore]) => {
    const core = { fixTime: iso ? new Date(t).toISOString() : t, lat, lon };
    return keepCore ? { ...wild, ...core } : { ...core, ...wild };
  });
const jsonText = fc.oneof(
  { weight: 3, arbitrary: jsonPosition.map((p) => JSON.stringify(p)) },
  {
    weight: 4,
    arbitrary: fc.oneof(
      nearValidJson.map((p) => JSON.stringify(p)),
      fc.array(nearValidJson, { maxLength: 6 }).map((ps) => JSON.stringify({ positions: ps })),
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          positions: fc.oneof(fc.array(fc.oneof(jsonPosition, fieldValue), { maxLength: 8 }), fieldValue),
          replay: fieldValue,
        },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
  },
  { weight: 1, arbitrary: fc.record({ online: fieldValue }, { requiredKeys: [] }).map((s) => JSON.stringify(s)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map((s) => `{${s}`) },
);
const protoNumber = (bits: 32 | 64, signed: boolean) =>
  fc.oneof(
    signed ? fc.integer() : fc.nat(),
    fc.constantFrom(0, 1, 0x7fff_ffff, signed ? -0x8000_0000 : 0xffff_ffff),
    bits === 64 ? fc.maxSafeInteger() : fc.integer({ min: 0, max: 0xffff_ffff }),
    bits === 64
      ? fc.integer({ min: FUZZ_RECEIVED_AT - 40 * 86_400_000, max: FUZZ_RECEIVED_AT + 3_600_000 })
      : fc.constant(0),
  );
const protoPosition: fc.Arbitrary<ProtoPosition> = fc.record(
  {
    fixTimeMs: protoNumber(64, true),
    latE6: fc.oneof(fc.integer({ min: -91_000_000, max: 91_000_000 }), protoNumber(32, true)),
    lonE6: fc.oneof(fc.integer({ min: -181_000_000, max: 181_000_000 }), protoNumber(32, true)),
    speedDkmh: protoNumber(32, false),
    headingDeg: protoNumber(32, false),
    altitudeM: protoNumber(32, true),
    satellites: protoNumber(32, false),
    hdopD: protoNumber(32, false),
    valid: fc.boolean(),
    ignition: fc.boolean(),
    alarmFlags: protoNumber(32, false),
    statusFlags: protoNumber(32, false),
    odometerHm: protoNumber(64, false),
    seq: protoNumber(32, false),
  },
  { requiredKeys: [] },
);
/** Encodes what protobufjs accepts; values it refuses to encode become random bytes instead. */
const nearValidProto = fc
  .tuple(
    fc.integer({ min: FUZZ_RECEIVED_AT - 29 * 86_400_000, max: FUZZ_RECEIVED_AT + 4 * 60_000 }),
    fc.integer({ min: -90_000_000, max: 90_000_000 }),
    fc.integer({ min: -180_000_000, max: 180_000_000 }),
    protoPosition,
  )
  .map(([fixTimeMs, latE6, lonE6, wild]): ProtoPosition => ({ ...wild, fixTimeMs, latE6, lonE6, valid: true }));
const protoBytes = fc.oneof(
  nearValidProto.map((p) => safeEncode(() => encodePositionProto(p))),
  fc.array(nearValidProto, { maxLength: 6 }).map((ps) => safeEncode(() => encodePositionBatchProto(ps))),
  protoPosition.map((p) => safeEncode(() => encodePositionProto(p))),
  fc
    .tuple(fc.array(protoPosition, { maxLength: 6 }), fc.boolean())
    .map(([ps, replay]) => safeEncode(() => encodePositionBatchProto(ps, replay))),
);
/** Damage: flip bytes, cut, splice, repeat — what a bad radio link or a hostile client sends. */
const damaged = (source: fc.Arbitrary<Uint8Array>) =>
  fc
    .tuple(
      source,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(),
      fc.boolean(),
    )
    .map(([bytes, flips, cut, truncate]) => {
      const out = Buffer.from(bytes);
      for (const [at, value] of flips) if (out.length > 0) out[at % out.length] = value;
      return truncate && out.length > 0 ? out.subarray(0, cut % out.length) : out;
    });

const payload: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: jsonText.map((t) => Buffer.from(t, 'utf8')) },
  { weight: 3, arbitrary: protoBytes },
  { weight: 2, arbitrary: damaged(protoBytes) },
  { weight: 2, arbitrary: damaged(jsonText.map((t) => Buffer.from(t, 'utf8'))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), Buffer.from(' '), Buffer.alloc(256 * 1024 + 1, 0x7b)) },
);

export const fuzzInput: fc.Arbitrary<FuzzInput> = fc.record(
  { topic, payload, contentType },
  { requiredKeys: ['topic', 'payload'] },
);

function safeEncode(encode: () => Uint8Array): Uint8Array {
  try {
    return encode();
  } catch {
    return Buffer.from('not-encodable');
  }
}

/** Every property the decoders must keep; throws naming the first one broken. */
export function checkDecoded(input: FuzzInput, result: DecodedMessage): void {
  for (const r of result.rejections) {
    if (!REASONS.has(r.reason)) throw new Error(`unknown rejection reason ${r.reason}`);
    if (typeof r.detail !== 'string' || r.detail.length === 0)
      throw new Error(`rejection ${r.reason} without a detail`);
    if (r.detail.startsWith(CATCH_ALL)) throw new Error(`the decoder threw inside: ${r.detail}`);
    if (!Buffer.isBuffer(r.payload)) throw new Error('rejection without the rejected bytes');
  }
  if (result.kind === 'position' && result.positions.length + result.rejections.length !== 1) {
    throw new Error(
      `a single position came out as ${result.positions.length} stored, ${result.rejections.length} rejected`,
    );
  }
  if (result.kind === null && result.rejections.length === 0)
    throw new Error('a message on an unknown topic was not rejected');
  for (const p of result.positions) {
    const finite = [p.fixTime, p.receivedAt, p.lat, p.lon].every(Number.isFinite);
    if (!finite || Math.abs(p.lat) > 90 || Math.abs(p.lon) > 180)
      throw new Error(`accepted an impossible position ${JSON.stringify(p)}`);
    if (p.fixTime > FUZZ_RECEIVED_AT + 5 * 60_000) throw new Error('accepted a fix from the future');
    for (const [field, value] of Object.entries(p)) {
      if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`accepted ${field} = ${value}`);
    }
  }
}

/** Decodes one input and checks it; returns whether anything was rejected. */
export function fuzzOne(input: FuzzInput): DecodedMessage {
  const result = decodePositionMessage(input.topic, input.payload, FUZZ_RECEIVED_AT, input.contentType);
  checkDecoded(input, result);
  return result;
}
