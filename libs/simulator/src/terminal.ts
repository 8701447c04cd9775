import { localDate } from '#app/calendar';
import { encodePositionBatchProto, encodePositionProto, terminalTopic, type ProtoPosition } from '#app/telemetry';
import { planDay, type PlanContext } from './day-plan.js';
import type { SimCar } from './car.js';
import { distanceM, offsetM, roundE6, type LatLon } from './geometry.js';
import { stateAt, within, type Plan } from './plan.js';
import { randomFor, seedOf } from './random.js';
import { MALFORMED_EVERY, MALFORMED_KINDS, type MalformedKind } from './scenarios.js';

/** JT/T 808 bits the simulator sets. */
export const ALARM_ANTENNA_CUT = 1 << 5;
export const STATUS_ACC = 1 << 0;
export const STATUS_POSITIONED = 1 << 1;
export const STATUS_GPS = 1 << 18;
export const STATUS_BEIDOU = 1 << 19;

export type Encoding = 'json' | 'protobuf';

/** One fix as the terminal reports it (the contract's Position, in JSON field names). */
export interface Fix {
  fixTime: number;
  lat: number;
  lon: number;
  speedKmh: number;
  headingDeg: number;
  altitudeM: number;
  satellites: number;
  hdop: number;
  valid: boolean;
  ignition: boolean;
  alarmFlags: number;
  statusFlags: number;
  odometerKm: number;
  seq: number;
}

export interface SimMessage {
  topic: string;
  payload: Buffer;
  kind: 'position' | 'positions' | 'status';
  /** Simulated time the terminal sent it. */
  sentAt: number;
  /** The fixes it carries (none for status and bad messages). */
  fixes: Fix[];
  replay: boolean;
  /** Set on deliberately bad messages: the reason the platform should give. */
  malformed?: MalformedKind;
}

export interface TerminalOptions {
  intervalSeconds: number;
  encoding: Encoding;
  context: PlanContext;
}

/** The share of terminals that speak protobuf instead of JSON (the cheaper models). */
export const PROTOBUF_SHARE = 0.25;

export function defaultEncoding(terminalId: string): Encoding {
  return seedOf(terminalId, 'encoding') % 1000 < PROTOBUF_SHARE * 1000 ? 'protobuf' : 'json';
}

/**
 * One in-car terminal: follows its car's day plans and turns them into the messages it would publish. It
 * fixes every `intervalSeconds` at a per-terminal phase (so the fleet does not report in one burst), keeps
 * fixes while in a blind area and uploads them as a replay batch when the signal is back, reports without a
 * fix while its antenna is cut, and goes quiet when the plan says so. Pure apart from its own counters: the
 * caller decides what "now" is.
 */
export class SimTerminal {
  readonly terminalId: string;
  private readonly plans = new Map<string, Plan>();
  private readonly phaseMs: number;
  private nextFix: number | null = null;
  private seq = 0;
  private fixCount = 0;
  private malformedCount = 0;
  private odometerKm: number;
  private lastTrue: LatLon | null = null;
  private lastValid: LatLon | null = null;
  private buffered: Fix[] = [];
  private silent = false;

  constructor(
    readonly car: SimCar,
    private readonly options: TerminalOptions,
  ) {
    this.terminalId = car.terminalId;
    this.phaseMs = (seedOf(car.terminalId, 'phase') % (options.intervalSeconds * 1000)) | 0;
    this.odometerKm = 20_000 + (seedOf(car.terminalId, 'odometer') % 60_000);
  }

  /** True once the plan has made the terminal go quiet: the runner drops its link without a goodbye. */
  get isSilent(): boolean {
    return this.silent;
  }

  status(online: boolean, at: number): SimMessage {
    return {
      topic: terminalTopic(this.terminalId, 'status'),
      payload: Buffer.from(JSON.stringify({ online })),
      kind: 'status',
      sentAt: at,
      fixes: [],
      replay: false,
    };
  }

  /** Every message due in (last call, `until`]; the first call starts at the fix slot at or after `from`. */
  advance(until: number, from: number = until): SimMessage[] {
    const interval = this.options.intervalSeconds * 1000;
    if (this.nextFix === null) this.nextFix = Math.ceil((from - this.phaseMs) / interval) * interval + this.phaseMs;
    const out: SimMessage[] = [];
    while (this.nextFix <= until) {
      out.push(...this.fixAt(this.nextFix));
      this.nextFix += interval;
    }
    return out;
  }

  private planFor(t: number): Plan {
    const day = localDate(t);
    let plan = this.plans.get(day);
    if (!plan) {
      plan = planDay(this.car, day, this.options.context);
      this.plans.set(day, plan);
      // A terminal only ever looks at today and, right after midnight, yesterday.
      if (this.plans.size > 3) this.plans.delete(this.plans.keys().next().value!);
    }
    return plan;
  }

  private fixAt(t: number): SimMessage[] {
    const plan = this.planFor(t);
    if (this.silent || (plan.silentFrom !== null && t >= plan.silentFrom)) {
      this.silent = true;
      return [];
    }
    const state = stateAt(plan, t);
    // GNSS wander of a few metres, more when standing (multipath between buildings).
    const noise = randomFor(this.terminalId, t);
    const wander = state.moving ? 2 : 4;
    const truePosition = offsetM(state.at, (noise() - 0.5) * wander, (noise() - 0.5) * wander);
    if (this.lastTrue) this.odometerKm += distanceM(this.lastTrue, state.at) / 1000;
    this.lastTrue = state.at;
    const cut = within(plan.antennaCuts, t);
    const reported = cut ? (this.lastValid ?? truePosition) : roundE6(truePosition);
    if (!cut) this.lastValid = reported;
    const fix: Fix = {
      fixTime: t,
      lat: reported.lat,
      lon: reported.lon,
      speedKmh: cut ? 0 : Math.round(state.speedKmh * 10) / 10,
      headingDeg: state.headingDeg,
      altitudeM: 18 + Math.round(noise() * 6),
      satellites: cut ? 0 : 9 + Math.floor(noise() * 8),
      hdop: cut ? 99 : Math.round((0.7 + noise() * 0.8) * 10) / 10,
      valid: !cut,
      ignition: state.ignition,
      alarmFlags: cut ? ALARM_ANTENNA_CUT : 0,
      statusFlags: (state.ignition ? STATUS_ACC : 0) | (cut ? 0 : STATUS_POSITIONED | STATUS_GPS | STATUS_BEIDOU),
      odometerKm: Math.round(this.odometerKm * 10) / 10,
      seq: this.seq++,
    };
    this.fixCount++;
    // A terminal switched on (or a simulation started) inside a blind area still gets its first fix out.
    if (this.fixCount > 1 && within(plan.blindAreas, t)) {
      this.buffered.push(fix);
      return [];
    }
    const out: SimMessage[] = [];
    if (this.buffered.length > 0) {
      out.push(this.batch(this.buffered, true, t));
      this.buffered = [];
    }
    out.push(this.single(fix, t));
    if (this.fixCount % MALFORMED_EVERY === 1 && this.malformedToday(t)) out.push(this.malformed(fix, t));
    return out;
  }

  private malformedToday(t: number): boolean {
    const day = localDate(t);
    return this.options.context.scenarios.some(
      (s) => s.kind === 'malformed' && s.terminalId === this.terminalId && s.day <= day,
    );
  }

  private single(fix: Fix, t: number): SimMessage {
    const payload =
      this.options.encoding === 'protobuf'
        ? Buffer.from(encodePositionProto(toProto(fix)))
        : Buffer.from(JSON.stringify(toJson(fix)));
    return {
      topic: terminalTopic(this.terminalId, 'position'),
      payload,
      kind: 'position',
      sentAt: t,
      fixes: [fix],
      replay: false,
    };
  }

  private batch(fixes: Fix[], replay: boolean, t: number): SimMessage {
    const payload =
      this.options.encoding === 'protobuf'
        ? Buffer.from(encodePositionBatchProto(fixes.map(toProto), replay))
        : Buffer.from(JSON.stringify({ positions: fixes.map(toJson), replay }));
    return { topic: terminalTopic(this.terminalId, 'positions'), payload, kind: 'positions', sentAt: t, fixes, replay };
  }

  private malformed(fix: Fix, t: number): SimMessage {
    const kind = MALFORMED_KINDS[this.malformedCount++ % MALFORMED_KINDS.length];
    const good = toJson(fix);
    const bad: Record<MalformedKind, string> = {
      MALFORMED: JSON.stringify(good).slice(0, 40),
      SCHEMA: JSON.stringify({ ...good, fixTime: undefined }),
      OUT_OF_RANGE: JSON.stringify({ ...good, lat: 123.4 }),
      NULL_ISLAND: JSON.stringify({ ...good, lat: 0, lon: 0, valid: true }),
      // A clock a year fast: in the future whatever the simulated time runs behind the real one.
      FUTURE: JSON.stringify({ ...good, fixTime: new Date(t + 365 * 86_400_000).toISOString() }),
    };
    return {
      topic: terminalTopic(this.terminalId, 'position'),
      payload: Buffer.from(bad[kind]),
      kind: 'position',
      sentAt: t,
      fixes: [],
      replay: false,
      malformed: kind,
    };
  }
}

export function toJson(fix: Fix): Record<string, unknown> {
  return { ...fix, fixTime: new Date(fix.fixTime).toISOString() };
}

export function toProto(fix: Fix): ProtoPosition {
  return {
    fixTimeMs: fix.fixTime,
    latE6: Math.round(fix.lat * 1e6),
    lonE6: Math.round(fix.lon * 1e6),
    speedDkmh: Math.round(fix.speedKmh * 10),
    headingDeg: fix.headingDeg,
    altitudeM: fix.altitudeM,
    satellites: fix.satellites,
    hdopD: Math.round(fix.hdop * 10),
    valid: fix.valid,
    ignition: fix.ignition,
    alarmFlags: fix.alarmFlags,
    statusFlags: fix.statusFlags,
    odometerHm: Math.round(fix.odometerKm * 10),
    seq: fix.seq,
  };
}
