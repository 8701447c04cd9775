import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { VehicleState } from '#app/rules';

/**
 * The compact forms a car's state is saved in. The rules' state is plain JSON (a few kilobytes, most of it
 * repeated keys) and is stored deflated; the recent-positions buffer (fix time → receive time of the positions
 * a read overlapping the last one would see again, a few hundred for a car reporting every second) is stored
 * as varints: each fix time as the step from the one before (sorted), each receive time as the step from the
 * receive time before it (the first as its lag behind its fix time) — one to three bytes each instead of sixteen,
 * for a live stream as for a blind-area upload received all at once.
 */
export function packState(state: VehicleState): Buffer {
  return deflateRawSync(JSON.stringify(state), { level: 6 });
}

export function unpackState(packed: Buffer): VehicleState {
  return JSON.parse(inflateRawSync(packed).toString('utf8')) as VehicleState;
}

export function packRecent(recent: ReadonlyMap<number, number>): Buffer {
  const times = [...recent.keys()].sort((a, b) => a - b);
  const out: number[] = [];
  let previous = 0;
  let previousReceived: number | null = null;
  for (const t of times) {
    const received = recent.get(t)!;
    writeVarint(out, zigzag(t - previous));
    writeVarint(out, zigzag(received - (previousReceived ?? t)));
    previous = t;
    previousReceived = received;
  }
  return Buffer.from(out);
}

export function unpackRecent(packed: Buffer): Map<number, number> {
  const recent = new Map<number, number>();
  const at = { i: 0 };
  let previous = 0;
  let previousReceived: number | null = null;
  while (at.i < packed.length) {
    const t = previous + unzigzag(readVarint(packed, at));
    const received: number = (previousReceived ?? t) + unzigzag(readVarint(packed, at));
    recent.set(t, received);
    previous = t;
    previousReceived = received;
  }
  return recent;
}

// Millisecond times exceed 32 bits: plain arithmetic, not bit operations, up to Number.MAX_SAFE_INTEGER.
const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

function writeVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) + 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

function readVarint(buf: Buffer, at: { i: number }): number {
  let n = 0;
  let scale = 1;
  for (;;) {
    const byte = buf[at.i++];
    if (byte === undefined) throw new Error('truncated packed recent-positions buffer');
    n += (byte & 0x7f) * scale;
    if (byte < 0x80) return n;
    scale *= 0x80;
  }
}
