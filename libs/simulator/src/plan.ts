import { between, type Random } from './random.js';
import { bearingDeg, distanceM, interpolate, type LatLon } from './geometry.js';

/** Standing with the engine off: parked at the lot, at a destination, overnight. */
export interface ParkedSegment {
  kind: 'parked';
  start: number;
  end: number;
  at: LatLon;
  headingDeg: number;
}

/** Standing with the engine on: a red light, a queue. */
export interface IdleSegment {
  kind: 'idle';
  start: number;
  end: number;
  at: LatLon;
  headingDeg: number;
}

/** Moving in a straight line at a steady speed. */
export interface MoveSegment {
  kind: 'move';
  start: number;
  end: number;
  from: LatLon;
  to: LatLon;
  speedKmh: number;
  headingDeg: number;
}

export type Segment = ParkedSegment | IdleSegment | MoveSegment;

export interface TimeWindow {
  start: number;
  end: number;
}

/**
 * What a car does over a stretch of time (normally one local day): contiguous segments, plus the windows
 * in which the terminal has no mobile signal (it keeps its fixes and uploads them later) and in which its
 * GNSS antenna is cut (it still reports, without a fix, with the alarm bit set).
 */
export interface Plan {
  start: number;
  end: number;
  segments: Segment[];
  blindAreas: TimeWindow[];
  antennaCuts: TimeWindow[];
  /** From this instant on the terminal sends nothing at all. */
  silentFrom: number | null;
}

/** What the car is doing at one instant. */
export interface CarState {
  at: LatLon;
  speedKmh: number;
  headingDeg: number;
  ignition: boolean;
  moving: boolean;
}

export interface DriveOptions {
  /** A fixed speed (scripted scenarios), or a range each piece of road picks from. */
  speedKmh: number | [number, number];
  /** Chance of a red light at each bend and every few pieces; 0 for scripted drives. */
  stopChance: number;
}

/** Builds a plan left to right: each call continues from where the car is and when. */
export class PlanBuilder {
  private readonly segments: Segment[] = [];
  readonly blindAreas: TimeWindow[] = [];
  readonly antennaCuts: TimeWindow[] = [];
  private heading = 0;

  constructor(
    readonly start: number,
    private position: LatLon,
    private readonly random: Random,
  ) {
    this.time = start;
  }

  time: number;

  get at(): LatLon {
    return this.position;
  }

  /** Engine off where the car stands until `until` (no-op if that has passed). */
  parkUntil(until: number): this {
    if (until <= this.time) return this;
    this.push({ kind: 'parked', start: this.time, end: until, at: this.position, headingDeg: this.heading });
    return this;
  }

  /** Drives along `route` (which starts where the car is) and returns the arrival time. */
  drive(route: readonly LatLon[], options: DriveOptions): number {
    for (let i = 1; i < route.length; i++) {
      const from = route[i - 1];
      const to = route[i];
      const length = distanceM(from, to);
      if (length < 0.5) continue;
      const speedKmh =
        typeof options.speedKmh === 'number' ? options.speedKmh : Math.round(between(this.random, ...options.speedKmh));
      const headingDeg = bearingDeg(from, to);
      const bend = Math.abs(((headingDeg - this.heading + 540) % 360) - 180) > 30;
      const stopChance = bend ? options.stopChance : options.stopChance / 4;
      if (i > 1 && stopChance > 0 && this.random() < stopChance) {
        const wait = Math.round(between(this.random, 20, 75)) * 1000;
        this.push({ kind: 'idle', start: this.time, end: this.time + wait, at: from, headingDeg: this.heading });
      }
      this.heading = headingDeg;
      const duration = Math.max(1000, Math.round((length / (speedKmh / 3.6)) * 1000));
      this.push({ kind: 'move', start: this.time, end: this.time + duration, from, to, speedKmh, headingDeg });
      this.position = to;
    }
    return this.time;
  }

  build(end: number, silentFrom: number | null = null): Plan {
    this.parkUntil(end);
    return {
      start: this.start,
      end,
      segments: this.segments,
      blindAreas: this.blindAreas,
      antennaCuts: this.antennaCuts,
      silentFrom,
    };
  }

  /** Where the plan stands now, to try something and go back if it does not fit. */
  mark(): { count: number; time: number; position: LatLon; heading: number; blind: number } {
    return {
      count: this.segments.length,
      time: this.time,
      position: this.position,
      heading: this.heading,
      blind: this.blindAreas.length,
    };
  }

  reset(mark: ReturnType<PlanBuilder['mark']>): void {
    this.segments.length = mark.count;
    this.blindAreas.length = mark.blind;
    this.time = mark.time;
    this.position = mark.position;
    this.heading = mark.heading;
  }

  private push(segment: Segment): void {
    this.segments.push(segment);
    this.time = segment.end;
  }
}

/** The segment in force at `t` (the last one for t at or past the end). */
export function segmentAt(plan: Plan, t: number): Segment {
  const { segments } = plan;
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].start <= t) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo];
}

export function stateAt(plan: Plan, t: number): CarState {
  const s = segmentAt(plan, t);
  if (s.kind === 'move') {
    const f = Math.min(1, Math.max(0, (t - s.start) / (s.end - s.start)));
    return {
      at: interpolate(s.from, s.to, f),
      speedKmh: s.speedKmh,
      headingDeg: s.headingDeg,
      ignition: true,
      moving: true,
    };
  }
  return { at: s.at, speedKmh: 0, headingDeg: s.headingDeg, ignition: s.kind === 'idle', moving: false };
}

export const within = (windows: readonly TimeWindow[], t: number) => windows.some((w) => t >= w.start && t < w.end);
