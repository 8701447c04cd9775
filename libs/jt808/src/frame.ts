import { bcdToDigits, digitsToBcd } from './bcd.js';

export const DELIMITER = 0x7e;
const ESCAPE = 0x7d;
/** The largest frame the platform reads, unescaped (header, body and check code). */
export const MAX_FRAME_BYTES = 4096;
/** A body fits 10 bits of the attributes. */
export const MAX_BODY_BYTES = 1023;

export type Edition = 2013 | 2019;

export interface Jt808Header {
  msgId: number;
  /** The body length the attributes declare. */
  bodyLength: number;
  /** Bits 10–12 of the attributes (bit 10 = RSA); 0 when the body is plain. */
  encryption: number;
  edition: Edition;
  /** 2019 only: the protocol-version byte. */
  protocolVersion: number | null;
  /** The BCD terminal number's digits as sent (12 or 20); replies carry it back unchanged. */
  phone: string;
  /** The digits without leading zeros: the registry's terminal id. */
  terminalId: string;
  serial: number;
  /** Set on a sub-packet: how many packets the message has and which this is (from 1). */
  packet: { total: number; index: number } | null;
  /** Bytes of header, packet fields included. */
  headerLength: number;
}

export interface Jt808Frame {
  header: Jt808Header;
  body: Buffer;
}

/** The frame-level reasons (terminal-jt808.md, "Frames that cannot be read"). */
export type FrameReason = 'CHECKSUM' | 'FRAME' | 'UNSUPPORTED';

export type FrameResult =
  | { ok: true; frame: Jt808Frame }
  | {
      ok: false;
      reason: FrameReason;
      detail: string;
      /** Present when the whole header could be read: the reply goes to it. */
      header: Jt808Header | null;
    };

/** Undoes 0x7d escaping; `badEscapeAt` is the offset of the first 0x7d not followed by 0x01/0x02. */
export function unescapeFrame(content: Uint8Array): { bytes: Buffer; badEscapeAt: number | null } {
  const out = Buffer.allocUnsafe(content.length);
  let n = 0;
  let badEscapeAt: number | null = null;
  for (let i = 0; i < content.length; i++) {
    const byte = content[i];
    if (byte !== ESCAPE) {
      out[n++] = byte;
      continue;
    }
    const next = content[i + 1];
    if (next === 0x01) out[n++] = ESCAPE;
    else if (next === 0x02) out[n++] = DELIMITER;
    else {
      badEscapeAt ??= i;
      out[n++] = byte; // kept as is, so a header can still be read for the reply
      continue;
    }
    i++;
  }
  return { bytes: out.subarray(0, n), badEscapeAt };
}

/** 0x7e → 7d 02, 0x7d → 7d 01. */
export function escapeFrame(bytes: Uint8Array): Buffer {
  let extra = 0;
  for (const byte of bytes) if (byte === DELIMITER || byte === ESCAPE) extra++;
  if (extra === 0) return Buffer.from(bytes);
  const out = Buffer.allocUnsafe(bytes.length + extra);
  let n = 0;
  for (const byte of bytes) {
    if (byte === DELIMITER || byte === ESCAPE) {
      out[n++] = ESCAPE;
      out[n++] = byte === DELIMITER ? 0x02 : 0x01;
    } else out[n++] = byte;
  }
  return out;
}

/** XOR of every byte from the message id to the end of the body. */
export function checkCode(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= bytes[i];
  return x;
}

/** Reads the header of an unescaped frame; null when it is not all there. */
export function readHeader(bytes: Buffer): { header: Jt808Header } | { error: string } | null {
  if (bytes.length < 4) return null;
  const msgId = bytes.readUInt16BE(0);
  const attributes = bytes.readUInt16BE(2);
  const edition: Edition = attributes & 0x4000 ? 2019 : 2013;
  const subpackage = (attributes & 0x2000) !== 0;
  const phoneLength = edition === 2019 ? 10 : 6;
  const fixed = edition === 2019 ? 17 : 12;
  const headerLength = fixed + (subpackage ? 4 : 0);
  if (bytes.length < headerLength) return null;
  const phoneAt = edition === 2019 ? 5 : 4;
  const phone = bcdToDigits(bytes.subarray(phoneAt, phoneAt + phoneLength));
  if (phone === null) return { error: 'the terminal number is not BCD' };
  const packet = subpackage ? { total: bytes.readUInt16BE(fixed), index: bytes.readUInt16BE(fixed + 2) } : null;
  return {
    header: {
      msgId,
      bodyLength: attributes & 0x03ff,
      encryption: (attributes >> 10) & 0x07,
      edition,
      protocolVersion: edition === 2019 ? bytes[4] : null,
      phone,
      terminalId: phone.replace(/^0+(?=.)/, ''),
      serial: bytes.readUInt16BE(phoneAt + phoneLength),
      packet,
      headerLength,
    },
  };
}

/**
 * One frame's content (between the 0x7e delimiters, still escaped) → its header and body, or the reason it
 * cannot be read. Pure; never throws.
 */
export function decodeFrame(content: Uint8Array): FrameResult {
  const { bytes, badEscapeAt } = unescapeFrame(content);
  const read = readHeader(bytes.subarray(0, Math.max(0, bytes.length - 1)));
  let header = read && 'header' in read ? read.header : null;
  const fail = (reason: FrameReason, detail: string): FrameResult => ({ ok: false, reason, detail, header });
  if (bytes.length > MAX_FRAME_BYTES) return fail('FRAME', `frame of ${bytes.length} bytes is over ${MAX_FRAME_BYTES}`);
  if (badEscapeAt !== null) return fail('FRAME', `0x7d at offset ${badEscapeAt} is not followed by 0x01 or 0x02`);
  if (read === null) {
    header = null;
    return fail('FRAME', `frame of ${bytes.length} bytes is shorter than its header and check code`);
  }
  const check = checkCode(bytes, 0, bytes.length - 1);
  if (check !== bytes[bytes.length - 1]) {
    return fail(
      'CHECKSUM',
      `check code 0x${hex2(bytes[bytes.length - 1])} does not match the frame's XOR 0x${hex2(check)}`,
    );
  }
  if ('error' in read) return fail('FRAME', read.error);
  const h = read.header;
  const available = bytes.length - 1 - h.headerLength;
  if (available < h.bodyLength) {
    return fail('FRAME', `body of ${available} bytes is shorter than the declared ${h.bodyLength}`);
  }
  if (h.packet && (h.packet.total === 0 || h.packet.index === 0 || h.packet.index > h.packet.total)) {
    return fail('FRAME', `sub-packet ${h.packet.index} of ${h.packet.total} is not a packet number`);
  }
  if (h.encryption !== 0) return fail('UNSUPPORTED', `encrypted body (attribute bits 10–12 = ${h.encryption})`);
  // A body longer than declared: the declared length wins (trailing bytes are padding some terminals add).
  const body = Buffer.from(bytes.subarray(h.headerLength, h.headerLength + h.bodyLength));
  return { ok: true, frame: { header: h, body } };
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export interface EncodeOptions {
  msgId: number;
  edition: Edition;
  /** 2019: the protocol-version byte (1 unless the terminal sent another). */
  protocolVersion?: number | null;
  phone: string;
  serial: number;
  body?: Uint8Array;
  packet?: { total: number; index: number } | null;
}

/** One frame, delimited and escaped. The body must fit one frame (≤ 1023 bytes). */
export function encodeFrame(options: EncodeOptions): Buffer {
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > MAX_BODY_BYTES) throw new RangeError(`body of ${body.length} bytes needs sub-packets`);
  const v2019 = options.edition === 2019;
  const packet = options.packet ?? null;
  const headerLength = (v2019 ? 17 : 12) + (packet ? 4 : 0);
  const raw = Buffer.alloc(headerLength + body.length + 1);
  raw.writeUInt16BE(options.msgId, 0);
  raw.writeUInt16BE(body.length | (packet ? 0x2000 : 0) | (v2019 ? 0x4000 : 0), 2);
  let at = 4;
  if (v2019) raw[at++] = options.protocolVersion ?? 1;
  const phoneLength = v2019 ? 10 : 6;
  digitsToBcd(options.phone, phoneLength).copy(raw, at);
  at += phoneLength;
  raw.writeUInt16BE(options.serial & 0xffff, at);
  at += 2;
  if (packet) {
    raw.writeUInt16BE(packet.total, at);
    raw.writeUInt16BE(packet.index, at + 2);
    at += 4;
  }
  Buffer.from(body).copy(raw, at);
  raw[raw.length - 1] = checkCode(raw, 0, raw.length - 1);
  const escaped = escapeFrame(raw);
  const out = Buffer.allocUnsafe(escaped.length + 2);
  out[0] = DELIMITER;
  escaped.copy(out, 1);
  out[out.length - 1] = DELIMITER;
  return out;
}

/**
 * A message of any length as frames: one frame when the body fits, else sub-packets of `packetBytes` each with
 * consecutive serials from `options.serial` (the caller advances its counter by the number returned).
 */
export function encodePackets(options: EncodeOptions, packetBytes = MAX_BODY_BYTES): Buffer[] {
  const body = Buffer.from(options.body ?? Buffer.alloc(0));
  if (packetBytes < 1 || packetBytes > MAX_BODY_BYTES) throw new RangeError(`packets of ${packetBytes} bytes`);
  if (body.length <= packetBytes) return [encodeFrame({ ...options, body })];
  const total = Math.max(1, Math.ceil(body.length / packetBytes));
  return Array.from({ length: total }, (_, i) =>
    encodeFrame({
      ...options,
      serial: (options.serial + i) & 0xffff,
      body: body.subarray(i * packetBytes, (i + 1) * packetBytes),
      packet: { total, index: i + 1 },
    }),
  );
}

/** Escaped content the splitter holds before calling it over-long (every byte could be escaped). */
const MAX_CONTENT_BYTES = 2 * MAX_FRAME_BYTES + 2;

export type Split = { kind: 'frame'; content: Buffer } | { kind: 'overlong'; content: Buffer };

/**
 * Cuts a TCP byte stream into frame contents at 0x7e. Bytes before the first delimiter are not a frame; a
 * shared delimiter between two frames and empty frames are allowed. Content that grows past twice the frame
 * limit without a delimiter is given up as over-long (its first 4 KiB kept) and skipped to the next 0x7e.
 */
export class FrameSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  private started = false;
  private skipping = false;

  push(chunk: Buffer): Split[] {
    const out: Split[] = [];
    let from = 0;
    for (;;) {
      const at = chunk.indexOf(DELIMITER, from);
      if (at === -1) {
        this.hold(chunk.subarray(from), out);
        return out;
      }
      if (this.started) {
        this.hold(chunk.subarray(from, at), out);
        if (!this.skipping && this.held > 0) {
          out.push({ kind: 'frame', content: this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts) });
        }
      }
      this.parts = [];
      this.held = 0;
      this.skipping = false;
      this.started = true;
      from = at + 1;
    }
  }

  private hold(bytes: Buffer, out: Split[]): void {
    if (!this.started || this.skipping || bytes.length === 0) return;
    this.parts.push(Buffer.from(bytes));
    this.held += bytes.length;
    if (this.held > MAX_CONTENT_BYTES) {
      out.push({ kind: 'overlong', content: Buffer.concat(this.parts).subarray(0, MAX_FRAME_BYTES) });
      this.parts = [];
      this.held = 0;
      this.skipping = true;
    }
  }
}
