import type { DecodedMessage, PositionRecord } from './position.js';
import { telematicsTypes, type ProtoPosition } from './proto.js';
import type { RejectionReason } from './reasons.js';
import { parseTerminalTopic } from './topics.js';

export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_BATCH_POSITIONS = 1000;
export const MAX_AHEAD_MS = 5 * 60_000;
export const MAX_AGE_MS = 30 * 86_400_000;

type Invalid = { reason: RejectionReason; detail: string };
type Checked = { ok: true; position: PositionRecord } | ({ ok: false } & Invalid);

const fail = (reason: RejectionReason, detail: string): { ok: false } & Invalid => ({ ok: false, reason, detail });

/** The typed fields of the JSON Position; anything else goes to `extra`. */
const KNOWN_FIELDS = new Set([
  'fixTime',
  'lat',
  'lon',
  'speedKmh',
  'headingDeg',
  'altitudeM',
  'satellites',
  'hdop',
  'valid',
  'ignition',
  'alarmFlags',
  'statusFlags',
  'odometerKm',
  'seq',
]);

// Bounds keep every value storable in its column (real, smallint, bigint), so one absurd value can
// never make a whole batch fail in the database.
const SPEED_MAX_KMH = 1000;
const ALTITUDE_MIN_M = -20_000;
const ALTITUDE_MAX_M = 100_000;
const SATELLITES_MAX = 1000;
const HDOP_MAX = 10_000;
const ODOMETER_MAX_KM = 1e9;
const UINT32_MAX = 0xffff_ffff;

const ISO_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Decodes one MQTT message from a terminal into accepted positions and rejections. Pure: the receive time is
 * passed in, terminal registration is checked by the caller. Never throws, whatever the bytes.
 */
export function decodePositionMessage(
  topic: string,
  payload: Uint8Array,
  receivedAt: number,
  contentType?: string,
): DecodedMessage {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const parsed = parseTerminalTopic(topic);
  const terminalId = parsed?.terminalId ?? null;
  const kind = parsed?.kind ?? null;
  const result: DecodedMessage = { terminalId, kind, positions: [], rejections: [] };
  const reject = (reason: RejectionReason, detail: string, raw: Buffer = bytes): DecodedMessage => {
    result.rejections.push({ reason, detail, terminalId, payload: raw });
    return result;
  };
  try {
    if (!parsed || !kind)
      return reject('SCHEMA', 'the topic is not telematics/v1/{terminalId}/position|positions|status');
    if (!terminalId) return reject('UNKNOWN_TERMINAL', 'the topic does not name a valid terminal id');
    if (bytes.length > MAX_PAYLOAD_BYTES) {
      return reject('TOO_LARGE', `payload of ${bytes.length} bytes is over ${MAX_PAYLOAD_BYTES}`);
    }
    const json = isJson(bytes, contentType);
    if (kind === 'status') {
      const value = json ? parseJson(bytes) : undefined;
      if (value === undefined) return reject('MALFORMED', 'a status must be JSON {"online": true|false}');
      if (!isObject(value)) return reject('SCHEMA', 'a status must be a JSON object');
      if (typeof value.online !== 'boolean') return reject('SCHEMA', 'online must be true or false');
      result.online = value.online;
      return result;
    }
    const ctx: Context = { terminalId, receivedAt, replay: false };
    if (json) {
      const value = parseJson(bytes);
      if (value === undefined) return reject('MALFORMED', 'the payload is not valid JSON');
      if (!isObject(value)) return reject('SCHEMA', 'the payload must be a JSON object');
      if (kind === 'position') {
        const checked = checkJsonPosition(value, ctx);
        if (checked.ok) result.positions.push(checked.position);
        else reject(checked.reason, checked.detail);
        return result;
      }
      if (!Array.isArray(value.positions)) return reject('SCHEMA', 'positions must be an array');
      if (value.replay !== undefined && value.replay !== null && typeof value.replay !== 'boolean') {
        return reject('SCHEMA', 'replay must be true or false');
      }
      if (value.positions.length > MAX_BATCH_POSITIONS) {
        return reject('TOO_LARGE', `batch of ${value.positions.length} positions is over ${MAX_BATCH_POSITIONS}`);
      }
      ctx.replay = value.replay === true;
      value.positions.forEach((item: unknown, index: number) => {
        const checked = isObject(item) ? checkJsonPosition(item, ctx) : fail('SCHEMA', 'must be a JSON object');
        if (checked.ok) result.positions.push(checked.position);
        else reject(checked.reason, `positions[${index}]: ${checked.detail}`, jsonBytes(item));
      });
      return result;
    }
    const { Position, PositionBatch } = telematicsTypes();
    if (kind === 'position') {
      let message: ProtoPosition & Record<string, unknown>;
      try {
        message = Position.toObject(Position.decode(bytes), { longs: Number }) as typeof message;
      } catch {
        return reject('MALFORMED', 'the payload is neither JSON nor a protobuf Position');
      }
      const checked = checkProtoPosition(message, ctx);
      if (checked.ok) result.positions.push(checked.position);
      else reject(checked.reason, checked.detail);
      return result;
    }
    let batch: { positions?: ProtoPosition[]; replay?: boolean };
    try {
      batch = PositionBatch.toObject(PositionBatch.decode(bytes), { longs: Number }) as typeof batch;
    } catch {
      return reject('MALFORMED', 'the payload is neither JSON nor a protobuf PositionBatch');
    }
    const items = batch.positions ?? [];
    if (items.length > MAX_BATCH_POSITIONS) {
      return reject('TOO_LARGE', `batch of ${items.length} positions is over ${MAX_BATCH_POSITIONS}`);
    }
    ctx.replay = batch.replay === true;
    items.forEach((item, index) => {
      const checked = checkProtoPosition(item, ctx);
      if (checked.ok) result.positions.push(checked.position);
      else {
        reject(checked.reason, `positions[${index}]: ${checked.detail}`, Buffer.from(Position.encode(item).finish()));
      }
    });
    return result;
  } catch (error) {
    // Defence in depth: a decoder bug must cost one message, never the gateway.
    result.positions = [];
    result.rejections = [];
    return reject('MALFORMED', `the payload could not be decoded (${(error as Error)?.name ?? 'error'})`);
  }
}

interface Context {
  terminalId: string;
  receivedAt: number;
  replay: boolean;
}

function isJson(bytes: Buffer, contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return true;
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return false;
  for (const byte of bytes) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b; // '{'
  }
  return false;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function jsonBytes(value: unknown): Buffer {
  try {
    return Buffer.from(JSON.stringify(value) ?? 'null', 'utf8');
  } catch {
    return Buffer.alloc(0);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFixTime(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = ISO_WITH_OFFSET.exec(value.trim());
  if (!match) return undefined;
  // Date.parse understands milliseconds only; finer fractions are truncated.
  const fraction = match[2] ? match[2].slice(0, 4).padEnd(4, '0') : '';
  const offset = /^[+-]\d{4}$/.test(match[3]) ? `${match[3].slice(0, 3)}:${match[3].slice(3)}` : match[3];
  const ms = Date.parse(`${match[1]}${fraction}${offset}`);
  return Number.isFinite(ms) ? ms : undefined;
}

type FieldCheck = (value: number) => boolean;

function optionalNumber(
  record: Record<string, unknown>,
  field: string,
  check: FieldCheck,
  expected: string,
): number | null | Invalid {
  const value = record[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    return { reason: 'SCHEMA', detail: `${field} must be ${expected}` };
  }
  return value;
}

function optionalBoolean(record: Record<string, unknown>, field: string): boolean | null | Invalid {
  const value = record[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'boolean') return { reason: 'SCHEMA', detail: `${field} must be true or false` };
  return value;
}

const isInvalid = (value: unknown): value is Invalid => typeof value === 'object' && value !== null;

const NUMBER_FIELDS: [field: string, check: FieldCheck, expected: string][] = [
  ['speedKmh', (v) => v >= 0 && v <= SPEED_MAX_KMH, `a number from 0 to ${SPEED_MAX_KMH}`],
  ['headingDeg', (v) => v >= 0 && v < 360, 'a number from 0 to 359'],
  ['altitudeM', (v) => v >= ALTITUDE_MIN_M && v <= ALTITUDE_MAX_M, 'a number of metres'],
  ['satellites', (v) => Number.isInteger(v) && v >= 0 && v <= SATELLITES_MAX, 'a whole number ≥ 0'],
  ['hdop', (v) => v >= 0 && v <= HDOP_MAX, 'a number ≥ 0'],
  ['alarmFlags', (v) => Number.isInteger(v) && v >= 0 && v <= UINT32_MAX, 'a uint32'],
  ['statusFlags', (v) => Number.isInteger(v) && v >= 0 && v <= UINT32_MAX, 'a uint32'],
  ['odometerKm', (v) => v >= 0 && v <= ODOMETER_MAX_KM, 'a number ≥ 0'],
  ['seq', (v) => Number.isSafeInteger(v) && v >= 0, 'a whole number ≥ 0'],
];

function checkJsonPosition(record: Record<string, unknown>, ctx: Context): Checked {
  if (record.fixTime === undefined || record.fixTime === null) return fail('SCHEMA', 'fixTime is required');
  const fixTime = parseFixTime(record.fixTime);
  if (fixTime === undefined) {
    return fail('SCHEMA', 'fixTime must be an ISO 8601 time with offset or epoch milliseconds');
  }
  for (const field of ['lat', 'lon']) {
    if (record[field] === undefined || record[field] === null) return fail('SCHEMA', `${field} is required`);
    if (typeof record[field] !== 'number') return fail('SCHEMA', `${field} must be a number`);
  }
  // Checked in NUMBER_FIELDS order, so the first bad field is the one reported.
  const numbers: (number | null)[] = [];
  for (const [field, check, expected] of NUMBER_FIELDS) {
    const value = optionalNumber(record, field, check, expected);
    if (isInvalid(value)) return { ok: false, ...value };
    numbers.push(value);
  }
  const [speedKmh, heading, altitudeM, satellites, hdop, alarmFlags, statusFlags, odometerKm, seq] = numbers;
  const valid = optionalBoolean(record, 'valid');
  if (isInvalid(valid)) return { ok: false, ...valid };
  const ignition = optionalBoolean(record, 'ignition');
  if (isInvalid(ignition)) return { ok: false, ...ignition };
  let extra: Record<string, unknown> | null = null;
  for (const key of Object.keys(record)) {
    if (KNOWN_FIELDS.has(key)) continue;
    extra ??= {};
    // defineProperty: a key such as "__proto__" stays a plain field.
    Object.defineProperty(extra, key, { value: record[key], enumerable: true, writable: true, configurable: true });
  }
  return finish(
    {
      terminalId: ctx.terminalId,
      fixTime,
      receivedAt: ctx.receivedAt,
      lat: record.lat as number,
      lon: record.lon as number,
      speedKmh,
      headingDeg: heading === null ? null : Math.round(heading) % 360,
      altitudeM,
      satellites,
      hdop,
      valid: valid ?? true,
      ignition,
      alarmFlags,
      statusFlags,
      odometerKm,
      seq,
      replay: ctx.replay,
      extra: storableExtra(extra),
    },
    ctx,
  );
}

function checkProtoPosition(message: ProtoPosition, ctx: Context): Checked {
  const fixTime = message.fixTimeMs ?? 0;
  if (fixTime === 0) return fail('SCHEMA', 'fix_time_ms is required');
  if (!Number.isSafeInteger(fixTime)) return fail('SCHEMA', 'fix_time_ms must be epoch milliseconds');
  const speedKmh = (message.speedDkmh ?? 0) / 10;
  if (speedKmh > SPEED_MAX_KMH) return fail('SCHEMA', `speed_dkmh must be at most ${SPEED_MAX_KMH * 10}`);
  const heading = message.headingDeg ?? 0;
  if (heading > 359) return fail('SCHEMA', 'heading_deg must be from 0 to 359');
  const altitude = message.altitudeM ?? 0;
  if (altitude < ALTITUDE_MIN_M || altitude > ALTITUDE_MAX_M) return fail('SCHEMA', 'altitude_m is out of range');
  const satellites = message.satellites ?? 0;
  if (satellites > SATELLITES_MAX) return fail('SCHEMA', `satellites must be at most ${SATELLITES_MAX}`);
  return finish(
    {
      terminalId: ctx.terminalId,
      fixTime,
      receivedAt: ctx.receivedAt,
      lat: (message.latE6 ?? 0) / 1e6,
      lon: (message.lonE6 ?? 0) / 1e6,
      speedKmh,
      headingDeg: heading,
      altitudeM: altitude,
      satellites,
      hdop: (message.hdopD ?? 0) / 10,
      valid: message.valid ?? true,
      ignition: message.ignition ?? null,
      alarmFlags: message.alarmFlags ?? 0,
      statusFlags: message.statusFlags ?? 0,
      odometerKm: (message.odometerHm ?? 0) / 10,
      seq: message.seq ?? 0,
      replay: ctx.replay,
      extra: null,
    },
    ctx,
  );
}

/**
 * The checks every way in shares (coordinates, null island, fix time against the receive time), for decoders
 * of other protocols that build the PositionRecord themselves.
 */
export function judgePosition(
  position: PositionRecord,
): { ok: true } | { ok: false; reason: RejectionReason; detail: string } {
  const checked = finish(position, {
    terminalId: position.terminalId,
    receivedAt: position.receivedAt,
    replay: position.replay,
  });
  return checked.ok ? { ok: true } : checked;
}

/** The checks both encodings share: coordinates and fix time against the receive time. */
function finish(position: PositionRecord, ctx: Context): Checked {
  const { lat, lon, fixTime, valid } = position;
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) return fail('OUT_OF_RANGE', `lat ${lat} is not within −90…90`);
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) {
    return fail('OUT_OF_RANGE', `lon ${lon} is not within −180…180`);
  }
  if (lat === 0 && lon === 0 && valid) return fail('NULL_ISLAND', 'lat 0, lon 0 with a fix');
  if (fixTime > ctx.receivedAt + MAX_AHEAD_MS) {
    return fail('FUTURE', `fixTime is ${Math.round((fixTime - ctx.receivedAt) / 1000)} s ahead of the receive time`);
  }
  if (fixTime < ctx.receivedAt - MAX_AGE_MS) return fail('TOO_OLD', 'fixTime is more than 30 days old');
  return { ok: true, position };
}

// PostgreSQL jsonb refuses NUL characters and unpaired surrogates; such extras are dropped, never the position.
const JSONB_UNSAFE = /\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i;

function storableExtra(extra: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!extra) return null;
  try {
    const text = JSON.stringify(extra);
    return JSONB_UNSAFE.test(text) ? null : extra;
  } catch {
    return null;
  }
}
