import { bcdTimeToUtc, bcdToDigits, digitsToBcd, utcToBcdTime } from './bcd.js';
import type { Edition } from './frame.js';
import { decodeGbk, encodeGbk, encodeGbkFixed } from './gbk.js';

/** A body too short for what it must hold. */
class Short extends Error {}

/** Bounds-checked big-endian reads over one body. */
class Reader {
  at = 0;
  constructor(readonly bytes: Buffer) {}
  get left(): number {
    return this.bytes.length - this.at;
  }
  private need(n: number, what: string): void {
    if (n < 0 || this.at + n > this.bytes.length) throw new Short(`${what}: body ends at byte ${this.bytes.length}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.at++];
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.bytes.readUInt16BE(this.at);
    this.at += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.bytes.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  take(n: number, what: string): Buffer {
    this.need(n, what);
    const v = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  rest(): Buffer {
    const v = this.bytes.subarray(this.at);
    this.at = this.bytes.length;
    return v;
  }
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; detail: string };

function parse<T>(body: Buffer, read: (r: Reader) => T): Parsed<T> {
  try {
    return { ok: true, value: read(new Reader(body)) };
  } catch (error) {
    if (error instanceof Short) return { ok: false, detail: error.message };
    throw error;
  }
}

// ---------------------------------------------------------------- terminal → platform

export interface Registration {
  province: number;
  city: number;
  maker: string;
  model: string;
  deviceId: string;
  plateColour: number;
  /** The plate (or the VIN when the colour is 0), GBK-decoded. */
  plate: string;
}

/** 0x0100. Field widths by edition; a 2013-edition body too short for 2013 widths is read as 2011 (model 8). */
export function parseRegistration(body: Buffer, edition: Edition): Parsed<Registration> {
  const [maker, model, id] = edition === 2019 ? [11, 30, 30] : body.length < 37 ? [5, 8, 7] : [5, 20, 7];
  return parse(body, (r) => ({
    province: r.u16('province'),
    city: r.u16('city'),
    maker: decodeGbk(r.take(maker, 'maker')),
    model: decodeGbk(r.take(model, 'model')),
    deviceId: decodeGbk(r.take(id, 'terminal id')),
    plateColour: r.u8('plate colour'),
    plate: decodeGbk(r.rest()),
  }));
}

export interface Authentication {
  code: string;
  imei: string | null;
  softwareVersion: string | null;
}

/** 0x0102: 2013 the whole body is the code; 2019 length-prefixed code, IMEI[15], software version[20]. */
export function parseAuthentication(body: Buffer, edition: Edition): Parsed<Authentication> {
  if (edition === 2013) return { ok: true, value: { code: decodeGbk(body), imei: null, softwareVersion: null } };
  return parse(body, (r) => {
    const code = decodeGbk(r.take(r.u8('code length'), 'code'));
    const imei = r.left >= 15 ? decodeGbk(r.take(15, 'IMEI')) : null;
    const softwareVersion = r.left > 0 ? decodeGbk(r.take(Math.min(20, r.left), 'software version')) : null;
    return { code, imei, softwareVersion };
  });
}

export interface Location {
  alarm: number;
  status: number;
  /** Degrees × 10⁶, unsigned: the hemisphere is in the status bits. */
  latE6: number;
  lonE6: number;
  altitudeM: number;
  /** 0.1 km/h. */
  speedDkmh: number;
  direction: number;
  /** UTC epoch ms; null when the BCD time is not a calendar time. */
  fixTime: number | null;
  /** The BCD time's digits as sent (for messages about it). */
  timeDigits: string;
  /** Additional items in order: id → value bytes. */
  items: { id: number; value: Buffer }[];
}

/** 0x0200 body (also each item of 0x0704 and the tail of 0x0201). */
export function parseLocation(body: Buffer): Parsed<Location> {
  return parse(body, (r) => {
    const alarm = r.u32('alarm');
    const status = r.u32('status');
    const latE6 = r.u32('latitude');
    const lonE6 = r.u32('longitude');
    const altitudeM = r.u16('altitude');
    const speedDkmh = r.u16('speed');
    const direction = r.u16('direction');
    const time = r.take(6, 'time');
    const items: Location['items'] = [];
    // Additional items: id BYTE, length BYTE, value. A truncated last item is kept as far as it goes.
    while (r.left >= 2) {
      const id = r.u8('item id');
      const length = r.u8('item length');
      items.push({ id, value: r.take(Math.min(length, r.left), 'item') });
    }
    return {
      alarm,
      status,
      latE6,
      lonE6,
      altitudeM,
      speedDkmh,
      direction,
      fixTime: bcdTimeToUtc(time),
      timeDigits: bcdToDigits(time) ?? time.toString('hex'),
      items,
    };
  });
}

export interface LocationBatch {
  /** 0 normal batch, 1 blind-area re-upload. */
  type: number;
  declared: number;
  /** Each item's body, or why it could not be cut out (the rest of the batch after it is unreadable). */
  items: ({ ok: true; body: Buffer } | { ok: false; detail: string; body: Buffer })[];
}

/** 0x0704: count WORD, type BYTE, then length WORD + a location body per item. */
export function parseLocationBatch(body: Buffer): Parsed<LocationBatch> {
  return parse(body, (r) => {
    const declared = r.u16('count');
    const type = r.u8('type');
    const items: LocationBatch['items'] = [];
    for (let i = 0; i < declared && r.left > 0; i++) {
      if (r.left < 2) {
        items.push({ ok: false, detail: `item ${i}: its length is cut off`, body: r.rest() });
        break;
      }
      const length = r.u16('item length');
      if (length > r.left) {
        items.push({ ok: false, detail: `item ${i}: ${length} bytes declared, ${r.left} left`, body: r.rest() });
        break;
      }
      items.push({ ok: true, body: r.take(length, 'item') });
    }
    return { type, declared, items };
  });
}

export interface DriverIdentity {
  /** 1 card inserted, 2 card removed. */
  state: number;
  /** UTC epoch ms of the swipe; null when the BCD time is not a calendar time. */
  at: number | null;
  /** Inserted only: 0 read, 1 key not accepted, 2 card locked, 3 card pulled out, 4 checksum error. */
  readResult: number | null;
  name: string | null;
  certificateNo: string | null;
  issuer: string | null;
  /** Card validity `YYYYMMDD`. */
  validUntil: string | null;
  /** 2019 only. */
  idCardNo: string | null;
}

/** 0x0702, 2013 and 2019 layouts (2019 adds the 20-byte ID card number). */
export function parseDriverIdentity(body: Buffer, edition: Edition): Parsed<DriverIdentity> {
  return parse(body, (r) => {
    const state = r.u8('state');
    const at = bcdTimeToUtc(r.take(6, 'time'));
    const out: DriverIdentity = {
      state,
      at,
      readResult: null,
      name: null,
      certificateNo: null,
      issuer: null,
      validUntil: null,
      idCardNo: null,
    };
    if (state !== 1) return out;
    out.readResult = r.u8('read result');
    if (out.readResult !== 0) return out;
    out.name = decodeGbk(r.take(r.u8('name length'), 'name'));
    out.certificateNo = decodeGbk(r.take(20, 'certificate number'));
    out.issuer = decodeGbk(r.take(r.u8('issuer length'), 'issuer'));
    out.validUntil = bcdToDigits(r.take(4, 'validity'));
    if (edition === 2019 && r.left >= 20) out.idCardNo = decodeGbk(r.take(20, 'ID card number'));
    return out;
  });
}

export interface TerminalResponse {
  ackSerial: number;
  ackMsgId: number;
  result: number;
}

/** 0x0001. */
export function parseTerminalResponse(body: Buffer): Parsed<TerminalResponse> {
  return parse(body, (r) => ({ ackSerial: r.u16('serial'), ackMsgId: r.u16('message id'), result: r.u8('result') }));
}

// ---------------------------------------------------------------- platform → terminal bodies

/** 0x8001 / 0x0001 body. */
export function generalResponseBody(ackSerial: number, ackMsgId: number, result: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt16BE(ackSerial & 0xffff, 0);
  b.writeUInt16BE(ackMsgId, 2);
  b[4] = result;
  return b;
}

/** 0x8100: the code only with result 0. */
export function registrationResponseBody(ackSerial: number, result: number, authCode?: string): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16BE(ackSerial & 0xffff, 0);
  head[2] = result;
  return result === 0 && authCode ? Buffer.concat([head, encodeGbk(authCode)]) : head;
}

/** 0x8003: the first packet's serial and the missing packet numbers (count BYTE in 2013, WORD in 2019). */
export function rerequestBody(firstSerial: number, missing: number[], edition: Edition): Buffer {
  const wide = edition === 2019;
  const b = Buffer.alloc(2 + (wide ? 2 : 1) + missing.length * 2);
  b.writeUInt16BE(firstSerial & 0xffff, 0);
  if (wide) b.writeUInt16BE(missing.length, 2);
  else b[2] = Math.min(255, missing.length);
  let at = wide ? 4 : 3;
  for (const index of missing.slice(0, wide ? 65535 : 255)) {
    b.writeUInt16BE(index, at);
    at += 2;
  }
  return b.subarray(0, at);
}

/** 0x8003 parsed (the simulator resends from it). */
export function parseRerequest(body: Buffer, edition: Edition): Parsed<{ firstSerial: number; missing: number[] }> {
  return parse(body, (r) => {
    const firstSerial = r.u16('serial');
    const count = edition === 2019 ? r.u16('count') : r.u8('count');
    return { firstSerial, missing: Array.from({ length: count }, () => r.u16('packet number')) };
  });
}

/** 0x8300 flag bits. */
export const TEXT_FLAG = { EMERGENCY: 0x01, DISPLAY: 0x04, TTS: 0x08 } as const;

/** 0x8300: flag BYTE (+ 2019 text type BYTE, 1 notice) + GBK text. */
export function textMessageBody(text: string, flags: number, edition: Edition): Buffer {
  const head = edition === 2019 ? Buffer.from([flags, 1]) : Buffer.from([flags]);
  return Buffer.concat([head, encodeGbk(text)]);
}

export function parseTextMessage(body: Buffer, edition: Edition): Parsed<{ flags: number; text: string }> {
  return parse(body, (r) => {
    const flags = r.u8('flag');
    if (edition === 2019) r.u8('text type');
    return { flags, text: decodeGbk(r.rest()) };
  });
}

/**
 * 0x8500: 2013 a control flag BYTE (bit 0: 1 lock the doors, 0 unlock); 2019 a list of control types, here
 * the one type 0x0001 (doors) with its parameter byte.
 */
export function vehicleControlBody(lockDoors: boolean, edition: Edition): Buffer {
  if (edition === 2013) return Buffer.from([lockDoors ? 1 : 0]);
  return Buffer.from([0x00, 0x01, 0x00, 0x01, lockDoors ? 1 : 0]);
}

// ---------------------------------------------------------------- terminal-side builders (simulator, tests)

export interface LocationInput {
  alarm?: number;
  status?: number;
  lat: number;
  lon: number;
  altitudeM?: number;
  speedKmh?: number;
  direction?: number;
  fixTime: number;
  items?: { id: number; value: Buffer }[];
}

/** A 0x0200 body from signed degrees (the hemisphere goes into the status bits). */
export function locationBody(input: LocationInput): Buffer {
  let status = (input.status ?? 0x2) & ~0xc;
  if (input.lat < 0) status |= 0x4;
  if (input.lon < 0) status |= 0x8;
  const head = Buffer.alloc(28);
  head.writeUInt32BE((input.alarm ?? 0) >>> 0, 0);
  head.writeUInt32BE(status >>> 0, 4);
  head.writeUInt32BE(Math.round(Math.abs(input.lat) * 1e6), 8);
  head.writeUInt32BE(Math.round(Math.abs(input.lon) * 1e6), 12);
  head.writeUInt16BE(Math.max(0, Math.min(65535, Math.round(input.altitudeM ?? 0))), 16);
  head.writeUInt16BE(Math.max(0, Math.min(65535, Math.round((input.speedKmh ?? 0) * 10))), 18);
  head.writeUInt16BE(Math.max(0, Math.min(65535, Math.round(input.direction ?? 0))), 20);
  utcToBcdTime(input.fixTime).copy(head, 22);
  const items = (input.items ?? []).map(({ id, value }) => Buffer.concat([Buffer.from([id, value.length]), value]));
  return Buffer.concat([head, ...items]);
}

/** 0x0704 body. */
export function locationBatchBody(bodies: Buffer[], blindArea: boolean): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16BE(bodies.length, 0);
  head[2] = blindArea ? 1 : 0;
  return Buffer.concat([
    head,
    ...bodies.flatMap((b) => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(b.length, 0);
      return [len, b];
    }),
  ]);
}

/** 0x0100 body in the edition's widths. */
export function registrationBody(
  input: Omit<Registration, 'province' | 'city'> & { province?: number; city?: number },
  edition: Edition,
): Buffer {
  const [maker, model, id] = edition === 2019 ? [11, 30, 30] : [5, 20, 7];
  const head = Buffer.alloc(4);
  head.writeUInt16BE(input.province ?? 0, 0);
  head.writeUInt16BE(input.city ?? 0, 2);
  return Buffer.concat([
    head,
    encodeGbkFixed(input.maker, maker),
    encodeGbkFixed(input.model, model),
    encodeGbkFixed(input.deviceId, id),
    Buffer.from([input.plateColour]),
    encodeGbk(input.plate),
  ]);
}

/** 0x0102 body. */
export function authenticationBody(code: string, edition: Edition, imei = '', softwareVersion = ''): Buffer {
  const c = encodeGbk(code);
  if (edition === 2013) return c;
  return Buffer.concat([Buffer.from([c.length]), c, encodeGbkFixed(imei, 15), encodeGbkFixed(softwareVersion, 20)]);
}

/** 0x0702 body for a card inserted (with its holder) or removed. */
export function driverIdentityBody(
  input: {
    inserted: boolean;
    at: number;
    name?: string;
    certificateNo?: string;
    issuer?: string;
    validUntil?: string;
    idCardNo?: string;
  },
  edition: Edition,
): Buffer {
  const head = Buffer.concat([Buffer.from([input.inserted ? 1 : 2]), utcToBcdTime(input.at)]);
  if (!input.inserted) return head;
  const name = encodeGbk(input.name ?? '');
  const issuer = encodeGbk(input.issuer ?? '');
  return Buffer.concat([
    head,
    Buffer.from([0, name.length]),
    name,
    encodeGbkFixed(input.certificateNo ?? '', 20),
    Buffer.from([issuer.length]),
    issuer,
    digitsToBcd(input.validUntil ?? '20991231', 4),
    ...(edition === 2019 ? [encodeGbkFixed(input.idCardNo ?? '', 20)] : []),
  ]);
}
