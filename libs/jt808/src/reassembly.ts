import type { Jt808Frame, Jt808Header } from './frame.js';

/** An incomplete message is given up this long after its first packet (terminal-jt808.md). */
export const REASSEMBLY_TIMEOUT_MS = 60_000;
/** Missing packets are asked for again when none has come for this long. */
export const REREQUEST_AFTER_MS = 5_000;
/** The most packets one message may have (a 256 KiB body, the MQTT contract's limit). */
export const MAX_PACKETS = 256;
/** The most messages a connection may have half-received at once. */
export const MAX_PENDING_MESSAGES = 32;

interface Pending {
  header: Jt808Header;
  firstSerial: number;
  parts: Map<number, Buffer>;
  firstAt: number;
  lastAt: number;
  requestedAt: number;
}

export type Assembled =
  { kind: 'complete'; frame: Jt808Frame } | { kind: 'waiting' } | { kind: 'refused'; detail: string };

export interface Rerequest {
  header: Jt808Header;
  firstSerial: number;
  missing: number[];
}

export interface Expired {
  header: Jt808Header;
  received: number;
  detail: string;
}

/**
 * Sub-packets of one connection → whole messages, in any order. Packets of one message share the message id
 * and total and carry consecutive serials, so the first packet's serial (serial − index + 1) names the message.
 * Time is passed in; the owner calls `due(now)` now and then for re-requests and timeouts.
 */
export class Reassembler {
  private pending = new Map<string, Pending>();

  get size(): number {
    return this.pending.size;
  }

  push(frame: Jt808Frame, now: number): Assembled {
    const { header, body } = frame;
    const packet = header.packet;
    if (!packet) return { kind: 'complete', frame };
    if (packet.total > MAX_PACKETS) {
      return { kind: 'refused', detail: `${packet.total} sub-packets is over ${MAX_PACKETS}` };
    }
    const firstSerial = (header.serial - packet.index + 1) & 0xffff;
    const key = `${header.msgId}:${packet.total}:${firstSerial}`;
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= MAX_PENDING_MESSAGES) {
        return { kind: 'refused', detail: `over ${MAX_PENDING_MESSAGES} messages half-received` };
      }
      entry = { header, firstSerial, parts: new Map(), firstAt: now, lastAt: now, requestedAt: 0 };
      this.pending.set(key, entry);
    }
    entry.parts.set(packet.index, body);
    entry.lastAt = now;
    if (packet.index === 1) entry.header = header;
    if (entry.parts.size < packet.total) return { kind: 'waiting' };
    this.pending.delete(key);
    const parts = Array.from({ length: packet.total }, (_, i) => entry.parts.get(i + 1)!);
    const whole = Buffer.concat(parts);
    const first = entry.header;
    return {
      kind: 'complete',
      frame: {
        header: { ...first, serial: entry.firstSerial, packet: null, bodyLength: whole.length },
        body: whole,
      },
    };
  }

  /** Messages to ask again for (quiet for REREQUEST_AFTER_MS) and messages given up (REASSEMBLY_TIMEOUT_MS). */
  due(now: number): { rerequests: Rerequest[]; expired: Expired[] } {
    const rerequests: Rerequest[] = [];
    const expired: Expired[] = [];
    for (const [key, entry] of this.pending) {
      const total = entry.header.packet!.total;
      if (now - entry.firstAt >= REASSEMBLY_TIMEOUT_MS) {
        this.pending.delete(key);
        expired.push({
          header: entry.header,
          received: entry.parts.size,
          detail: `sub-packets: ${entry.parts.size} of ${total} received within ${REASSEMBLY_TIMEOUT_MS / 1000} s`,
        });
        continue;
      }
      if (now - entry.lastAt >= REREQUEST_AFTER_MS && now - entry.requestedAt >= REREQUEST_AFTER_MS) {
        entry.requestedAt = now;
        const missing: number[] = [];
        for (let i = 1; i <= total; i++) if (!entry.parts.has(i)) missing.push(i);
        rerequests.push({ header: entry.header, firstSerial: entry.firstSerial, missing });
      }
    }
    return { rerequests, expired };
  }
}
