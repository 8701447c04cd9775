import { FixBatch } from './fix-batch.js';

/** Slower than this the car is standing (the detector's parked threshold). */
export const STANDING_KMH = 3;
/** Fixes held between two kept ones at most; a longer stretch is cut there, so memory stays flat. */
export const MAX_HELD = 4096;
const M_PER_DEG = 111_320;

/**
 * Thins a track for drawing, one fix at a time in fix-time order (so it works on a stream, a batch at a time):
 * Douglas–Peucker with a tolerance in metres inside each stretch where nothing but the position changes.
 * What an inspector looks for is always kept: the first and the last fix, the first and last fix of every
 * stop (standing still), of every stretch with the ignition on or off, with the same alarm bits, with or
 * without GNSS lock, and from the same terminal. Fixes without lock inside such a stretch are dropped (they
 * have no position to draw).
 */
export class TrackSimplifier {
  // The stretch since the last kept fix (which is held[0]): references into the batches they came in.
  private heldBatch: FixBatch[] = [];
  private heldIndex: number[] = [];
  private out: FixBatch;
  private readonly done: FixBatch[] = [];

  constructor(
    private readonly toleranceM: number,
    private readonly batchSize: number,
  ) {
    this.out = new FixBatch(batchSize);
  }

  push(batch: FixBatch, i: number): void {
    const held = this.heldBatch.length;
    if (held === 0) {
      this.keep(batch, i); // the first fix
      this.hold(batch, i);
      return;
    }
    const prevBatch = this.heldBatch[held - 1];
    const prev = this.heldIndex[held - 1];
    if (!sameStretch(prevBatch, prev, batch, i)) {
      // The previous fix ended its stretch and this one starts the next: both are kept.
      if (held > 1) this.close(held - 1);
      this.keep(batch, i);
      this.restart(batch, i);
      return;
    }
    this.hold(batch, i);
    if (this.heldBatch.length >= MAX_HELD) this.close(this.heldBatch.length - 1);
  }

  /** The stream ended: its last fix is kept. */
  end(): void {
    if (this.heldBatch.length > 1) this.close(this.heldBatch.length - 1);
    this.heldBatch = [];
    this.heldIndex = [];
    if (this.out.length > 0) {
      this.done.push(this.out);
      this.out = new FixBatch(this.batchSize);
    }
  }

  /** Batches of kept fixes that are complete. */
  take(): FixBatch[] {
    return this.done.splice(0);
  }

  private hold(batch: FixBatch, i: number): void {
    this.heldBatch.push(batch);
    this.heldIndex.push(i);
  }

  private restart(batch: FixBatch, i: number): void {
    this.heldBatch = [batch];
    this.heldIndex = [i];
  }

  private keep(batch: FixBatch, i: number): void {
    this.out.copyFrom(batch, i);
    if (this.out.full) {
      this.done.push(this.out);
      this.out = new FixBatch(this.batchSize);
    }
  }

  /** Keeps what the tolerance needs of held[1..last-1] and held[last], and starts again from held[last]. */
  private close(last: number): void {
    const batches = this.heldBatch;
    const index = this.heldIndex;
    const firstBatch = batches[0];
    const first = index[0];
    const keep = new Uint8Array(last + 1);
    keep[last] = 1;
    // A stretch without lock has nothing to draw between its ends.
    if (firstBatch.valid[first] === 1 && last > 1) {
      const lat0 = firstBatch.lat[first];
      const lon0 = firstBatch.lon[first];
      const kx = M_PER_DEG * Math.cos((lat0 * Math.PI) / 180);
      const x = new Float64Array(last + 1);
      const y = new Float64Array(last + 1);
      for (let k = 0; k <= last; k++) {
        x[k] = (batches[k].lon[index[k]] - lon0) * kx;
        y[k] = (batches[k].lat[index[k]] - lat0) * M_PER_DEG;
      }
      douglasPeucker(x, y, this.toleranceM, keep);
    }
    for (let k = 1; k <= last; k++) if (keep[k] === 1) this.keep(batches[k], index[k]);
    this.restart(batches[last], index[last]);
  }
}

/** Whether two consecutive fixes belong to the same stretch (only their position may differ). */
function sameStretch(a: FixBatch, i: number, b: FixBatch, j: number): boolean {
  const standingA = a.speedKmh[i] < STANDING_KMH;
  const standingB = b.speedKmh[j] < STANDING_KMH;
  const alarmA = a.alarmFlags[i];
  const alarmB = b.alarmFlags[j];
  return (
    standingA === standingB &&
    a.ignition[i] === b.ignition[j] &&
    a.valid[i] === b.valid[j] &&
    (alarmA === alarmB || (Number.isNaN(alarmA) && Number.isNaN(alarmB))) &&
    a.terminalId[i] === b.terminalId[j]
  );
}

/** Marks in `keep` the points of 1..n-2 that Douglas–Peucker keeps with `tolerance` (iterative, no recursion). */
export function douglasPeucker(x: Float64Array, y: Float64Array, tolerance: number, keep: Uint8Array): void {
  const stack: number[] = [0, x.length - 1];
  while (stack.length > 0) {
    const last = stack.pop()!;
    const first = stack.pop()!;
    let farthest = -1;
    let max = tolerance;
    for (let k = first + 1; k < last; k++) {
      const d = distanceToSegment(x[k], y[k], x[first], y[first], x[last], y[last]);
      if (d > max) {
        max = d;
        farthest = k;
      }
    }
    if (farthest > 0) {
      keep[farthest] = 1;
      stack.push(first, farthest, farthest, last);
    }
  }
}

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  let t = length2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / length2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** The batches of a track thinned for drawing (see TrackSimplifier). */
export async function* simplifyTrack(
  batches: AsyncIterable<FixBatch>,
  toleranceM: number,
  batchSize: number,
): AsyncGenerator<FixBatch> {
  const simplifier = new TrackSimplifier(toleranceM, batchSize);
  for await (const batch of batches) {
    for (let i = 0; i < batch.length; i++) simplifier.push(batch, i);
    yield* simplifier.take();
  }
  simplifier.end();
  yield* simplifier.take();
}
