import fc from 'fast-check';
import {
  checkCode,
  decodeFrame,
  decodeLocationMessage,
  encodeFrame,
  escapeFrame,
  locationBatchBody,
  locationBody,
  MSG,
  unescapeFrame,
} from '#app/jt808';
import { REJECTION_REASONS, type RejectionReason } from '#app/telemetry';

/** What the decoder made of one input: a reason for each thing refused, the count of positions taken. */
export interface FuzzOutcome {
  frameOk: boolean;
  reasons: RejectionReason[];
  positions: number;
}

const KNOWN = new Set<string>(REJECTION_REASONS);
const RECEIVED_AT = Date.UTC(2026, 11, 7, 4, 0, 0);

/**
 * The frame decoder and, for a location frame, the body decoder, as the listener runs them. Throws (failing
 * the property) if anything is refused without a known reason and a detail.
 */
export function decodeAndJudge(content: Uint8Array): FuzzOutcome {
  const frame = decodeFrame(content);
  if (!frame.ok) {
    if (!['CHECKSUM', 'FRAME', 'UNSUPPORTED'].includes(frame.reason) || frame.detail.length === 0) {
      throw new Error(`refused without a reason: ${JSON.stringify(frame)}`);
    }
    return { frameOk: false, reasons: [frame.reason], positions: 0 };
  }
  const { msgId } = frame.frame.header;
  if (msgId !== MSG.LOCATION && msgId !== MSG.LOCATION_BATCH) return { frameOk: true, reasons: [], positions: 0 };
  const message = decodeLocationMessage(frame.frame, RECEIVED_AT);
  for (const r of message.rejections) {
    if (!KNOWN.has(r.reason) || r.detail.length === 0) throw new Error(`item refused without a reason: ${r.detail}`);
  }
  for (const p of message.positions) {
    if (!(Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180 && Number.isFinite(p.fixTime))) {
      throw new Error(`accepted an impossible position ${JSON.stringify(p)}`);
    }
  }
  return { frameOk: true, reasons: message.rejections.map((r) => r.reason), positions: message.positions.length };
}

const location = fc.record({
  alarm: fc.nat({ max: 0xffffffff }),
  status: fc.nat({ max: 0xffffffff }),
  // Mostly plausible values, sometimes any the field can carry.
  lat: fc.oneof(fc.double({ min: -90, max: 90, noNaN: true }), fc.double({ min: -95, max: 95, noNaN: true })),
  lon: fc.oneof(fc.double({ min: -180, max: 180, noNaN: true }), fc.double({ min: -185, max: 185, noNaN: true })),
  altitudeM: fc.nat({ max: 65535 }),
  speedKmh: fc.oneof(fc.double({ min: 0, max: 200, noNaN: true }), fc.double({ min: 0, max: 6553, noNaN: true })),
  direction: fc.oneof(fc.nat({ max: 359 }), fc.nat({ max: 65535 })),
  fixTime: fc.oneof(
    fc.integer({ min: RECEIVED_AT - 86_400_000, max: RECEIVED_AT }),
    fc.integer({ min: RECEIVED_AT - 40 * 86_400_000, max: RECEIVED_AT + 86_400_000 }),
  ),
  items: fc.array(fc.record({ id: fc.nat({ max: 255 }), value: fc.uint8Array({ maxLength: 12 }).map(Buffer.from) }), {
    maxLength: 4,
  }),
});

/** A well-formed frame of a location or a batch, both editions, any terminal number. */
const validFrame = fc
  .record({
    batch: fc.boolean(),
    blind: fc.boolean(),
    locations: fc.array(location, { minLength: 1, maxLength: 5 }),
    edition: fc.constantFrom(2013 as const, 2019 as const),
    phone: fc.stringMatching(/^[0-9]{1,12}$/),
    serial: fc.nat({ max: 0xffff }),
  })
  .map(({ batch, blind, locations, edition, phone, serial }) => {
    const bodies = locations.map((l) => locationBody(l));
    const body = batch ? locationBatchBody(bodies, blind) : bodies[0];
    return encodeFrame({
      msgId: batch ? MSG.LOCATION_BATCH : MSG.LOCATION,
      edition,
      phone,
      serial,
      body: body.subarray(0, 1023),
    });
  });

/** Arbitrary bytes, 0x7e taken out (the splitter cuts there), with 0x7d more often than chance. */
export const randomContent = fc
  .array(fc.oneof(fc.nat({ max: 255 }), fc.constant(0x7d), fc.constantFrom(0x01, 0x02)), {
    maxLength: 400,
    size: 'medium',
  })
  .map((bytes) => Uint8Array.from(bytes.filter((b) => b !== 0x7e)));

/** A valid frame with bytes changed, cut or added — check code left as it was (mostly CHECKSUM/FRAME). */
export const mutatedContent = fc
  .tuple(
    validFrame,
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.nat({ max: 2 })), { minLength: 1, maxLength: 4 }),
  )
  .map(([frame, edits]) => {
    const bytes = [...frame.subarray(1, -1)];
    for (const [at, value, op] of edits) {
      const i = bytes.length === 0 ? 0 : at % bytes.length;
      if (op === 0) bytes[i] = value;
      else if (op === 1) bytes.splice(i, 1);
      else bytes.splice(i, 0, value);
    }
    return Uint8Array.from(bytes.filter((b) => b !== 0x7e));
  });

/** A valid frame whose unescaped bytes are changed and whose check code is recomputed: reaches the bodies. */
export const resealedContent = fc
  .tuple(
    validFrame,
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 }), fc.boolean()), { maxLength: 4 }),
    fc.oneof(fc.constant(0), fc.constant(0), fc.nat({ max: 40 })),
  )
  .map(([frame, edits, cut]) => {
    const plain = [...unescapeFrame(frame.subarray(1, -1)).bytes];
    plain.pop(); // the old check code
    const headerLength = plain[2] & 0x40 ? 17 : 12;
    const bodyLength = Math.max(1, plain.length - headerLength);
    // Most edits land in the body, so its checks are reached; some in the header.
    for (const [at, value, inBody] of edits) {
      plain[inBody ? headerLength + (at % bodyLength) : at % plain.length] = value;
    }
    const kept = plain.slice(0, Math.max(1, plain.length - cut));
    return escapeFrame(Buffer.from([...kept, checkCode(Uint8Array.from(kept))]));
  });

export const anyContent = fc.oneof(randomContent, mutatedContent, resealedContent);
