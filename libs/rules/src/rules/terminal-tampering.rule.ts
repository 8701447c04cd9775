import { makeFinding } from '../finding.js';
import { distanceM } from '../geo-math.js';
import { NO_EVENTS, type Finding, type FindingEvent, type Rule, type RuleEnv, type Step } from '../rule.types.js';

export const ALARM_NAMES: Record<number, string> = { 4: 'gnss_fault', 5: 'antenna_cut', 8: 'main_power_off' };

interface PendingGap {
  finding: Finding;
  /** When the position closing the gap was received. */
  receivedMs: number;
}

export interface TerminalTamperingState {
  /** Alarm bit → when it was first seen set, and the last fix that still had it. */
  alarms: Record<string, { start: number; last: number; lat: number; lon: number; positions: number }>;
  /**
   * A gap (or odometer jump) waiting out `gapGraceSeconds` of receive time: a blind-area re-upload arriving
   * meanwhile fills it (the car is then evaluated again from before it and the gap never shows).
   */
  pending?: PendingGap[];
}

const alarmName = (bit: number) => ALARM_NAMES[bit] ?? `alarm_bit_${bit}`;

/**
 * Terminal tampering: an alarm bit of the configured set rising (GNSS fault, antenna cut, main power off),
 * a gap in positions while the ignition was on, or an odometer jump no positions account for. Alarms are
 * raised when they rise and closed when they clear; gaps and jumps are raised whole, once no blind-area
 * re-upload has filled them within `gapGraceSeconds` (counted in receive time, so a re-evaluation agrees).
 */
export const terminalTamperingRule: Rule<TerminalTamperingState> = {
  name: 'terminal_tampering',
  kind: 'violation',
  init: () => ({ alarms: {} }),
  applies: () => true,
  ongoing: (state) => Object.values(state.alarms).map((a) => ({ start: a.start, end: a.last })),
  step(state, fix, env): Step<TerminalTamperingState> {
    const p = env.params;
    const events: FindingEvent[] = [];
    const prev = fix.previous;
    const causes: string[] = [];
    const details: Record<string, unknown> = {};
    let pending = state.pending;
    if (prev) {
      const gapS = (fix.t - prev.t) / 1000;
      if (prev.ignition === true && gapS >= p.positionGapSeconds) {
        causes.push('position_gap');
        details.gapSeconds = Math.round(gapS);
      }
      if (prev.odometerKm !== null && fix.odometerKm !== null) {
        const odoKm = fix.odometerKm - prev.odometerKm;
        const straightKm = prev.valid && fix.valid ? distanceM(prev.lat, prev.lon, fix.lat, fix.lon) / 1000 : 0;
        if (odoKm - straightKm >= p.odometerJumpKm) {
          causes.push('odometer_jump');
          details.odometerKm = Math.round(odoKm * 10) / 10;
          details.straightLineKm = Math.round(straightKm * 10) / 10;
        }
      }
      if (causes.length > 0) {
        const finding = makeFinding('terminal_tampering', 'violation', env, {
          terminalId: fix.terminalId,
          start: prev.t,
          end: fix.t,
          lat: prev.lat,
          lon: prev.lon,
          positions: 2,
          parameters: {
            positionGapSeconds: p.positionGapSeconds,
            odometerJumpKm: p.odometerJumpKm,
            gapGraceSeconds: p.gapGraceSeconds,
          },
          details: { causes, ...details },
        });
        if (fix.receivedMs === undefined || p.gapGraceSeconds === 0) events.push({ type: 'open', finding });
        else pending = [...(pending ?? []), { finding, receivedMs: fix.receivedMs }];
      }
    }
    // Gaps whose grace has passed by this position's receive time are raised.
    if (pending && pending.length > 0 && fix.receivedMs !== undefined) {
      const due = pending.filter((g) => fix.receivedMs! - g.receivedMs >= p.gapGraceSeconds * 1000);
      if (due.length > 0) {
        for (const g of due) events.push({ type: 'open', finding: g.finding });
        pending = pending.filter((g) => !due.includes(g));
      }
    }
    if (pending !== state.pending) state = { ...state, pending: pending && pending.length > 0 ? pending : undefined };
    const flags = fix.alarmFlags ?? 0;
    const alarmKeys = Object.keys(state.alarms);
    if (flags === 0 && alarmKeys.length === 0) return events.length ? { state, events } : { state, events: NO_EVENTS };
    const alarms: TerminalTamperingState['alarms'] = {};
    const rising: number[] = [];
    for (const bit of p.tamperAlarmBits) {
      const set = (flags & (2 ** bit)) !== 0;
      const prior = state.alarms[bit];
      if (set) {
        alarms[bit] = prior
          ? { ...prior, last: fix.t, positions: prior.positions + 1 }
          : { start: fix.t, last: fix.t, lat: fix.lat, lon: fix.lon, positions: 1 };
        if (!prior) rising.push(bit);
      } else if (prior) {
        events.push({ type: 'close', finding: alarmFinding(env, fix.terminalId, prior, [alarmName(bit)]) });
      }
    }
    if (rising.length > 0) {
      const a = alarms[rising[0]];
      events.push({ type: 'open', finding: alarmFinding(env, fix.terminalId, a, rising.map(alarmName)) });
    }
    return { state: { ...state, alarms }, events };
  },
};

function alarmFinding(
  env: RuleEnv,
  terminalId: string,
  a: { start: number; last: number; lat: number; lon: number; positions: number },
  causes: string[],
) {
  return makeFinding('terminal_tampering', 'violation', env, {
    terminalId,
    start: a.start,
    end: a.last,
    lat: a.lat,
    lon: a.lon,
    positions: a.positions,
    parameters: { alarmBits: env.params.tamperAlarmBits },
    details: { causes },
  });
}
