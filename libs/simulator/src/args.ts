import { parseArgs } from 'node:util';
import { addDays, localDate, localMinutes, zonedTime } from '#app/calendar';
import { SCENARIO_KINDS, type ScenarioKind } from './scenarios.js';

export interface SimulatorArgs {
  cars: number;
  intervalSeconds: number;
  speedup: number;
  /** `now`, `auto`, or an instant. */
  start: 'now' | 'auto' | Date;
  scenarios: ScenarioKind[];
  scenarioCars: number;
  mqttUrl?: string;
  /** How the terminals talk to the platform. */
  protocol: 'mqtt' | 'jt808';
  /** JT/T 808 listener (default 127.0.0.1 and JT808_PORT). */
  jt808Host?: string;
  jt808Port?: number;
  help: boolean;
}

export const SIMULATOR_USAGE = `Terminal simulator: the demo fleet's in-car terminals over MQTT.

Options:
  --cars N            how many demo cars (default 403, the whole fleet)
  --interval S        seconds between fixes (default 30)
  --speedup F         simulated seconds per real second (default 1); never runs ahead of real time
  --start WHEN        simulated start: now (default), auto (now during working hours, otherwise the last
                      working day's 08:30 fast-forwarded), or an ISO 8601 instant
  --scenario LIST     misuse to stage, comma-separated, or all:
                      ${SCENARIO_KINDS.join(', ')}
  --scenario-cars N   cars per scenario (default 2)
  --mqtt-url URL      broker (default MQTT_URL, else the embedded broker on EMBEDDED_MQTT_PORT)
  --protocol P        mqtt (default) or jt808: JT/T 808 over TCP (register, authenticate, 0x0200 reports,
                      0x0704 blind-area batches in sub-packets, heartbeats; half the cars speak the 2019 edition)
  --jt808-host H      JT/T 808 listener address (default 127.0.0.1)
  --jt808-port N      JT/T 808 listener port (default JT808_PORT, else 6808)
  --help              this text

Each car signs in as its terminal (client id = user name = terminal id, the demo secret as password).`;

export class ArgsError extends Error {}

export function parseSimulatorArgs(argv: string[]): SimulatorArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      cars: { type: 'string' },
      interval: { type: 'string' },
      speedup: { type: 'string' },
      start: { type: 'string' },
      scenario: { type: 'string' },
      'scenario-cars': { type: 'string' },
      'mqtt-url': { type: 'string' },
      protocol: { type: 'string' },
      'jt808-host': { type: 'string' },
      'jt808-port': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const number = (
    name: string,
    raw: string | undefined,
    fallback: number,
    min: number,
    max: number,
    whole: boolean,
  ) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max || (whole && !Number.isInteger(value))) {
      throw new ArgsError(`--${name} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  let start: SimulatorArgs['start'] = 'now';
  if (values.start !== undefined && values.start !== 'now') {
    if (values.start === 'auto') start = 'auto';
    else {
      const instant = new Date(values.start);
      if (Number.isNaN(instant.getTime()))
        throw new ArgsError(`--start must be now, auto or an ISO 8601 instant, got "${values.start}"`);
      start = instant;
    }
  }
  let scenarios: ScenarioKind[] = [];
  if (values.scenario) {
    const names = values.scenario
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (names.includes('all')) scenarios = [...SCENARIO_KINDS];
    else {
      for (const name of names) {
        if (!(SCENARIO_KINDS as readonly string[]).includes(name)) {
          throw new ArgsError(`--scenario: unknown scenario "${name}"; known: ${SCENARIO_KINDS.join(', ')}, all`);
        }
      }
      scenarios = names as ScenarioKind[];
    }
  }
  return {
    cars: number('cars', values.cars, 403, 1, 403, true),
    intervalSeconds: number('interval', values.interval, 30, 1, 3600, true),
    speedup: number('speedup', values.speedup, 1, 0.1, 1000, false),
    start,
    scenarios,
    scenarioCars: number('scenario-cars', values['scenario-cars'], 2, 1, 50, true),
    mqttUrl: values['mqtt-url'],
    protocol: protocolOf(values.protocol),
    jt808Host: values['jt808-host'],
    jt808Port:
      values['jt808-port'] === undefined ? undefined : number('jt808-port', values['jt808-port'], 0, 1, 65535, true),
    help: values.help ?? false,
  };
}

function protocolOf(raw: string | undefined): 'mqtt' | 'jt808' {
  if (raw === undefined || raw === 'mqtt') return 'mqtt';
  if (raw === 'jt808') return 'jt808';
  throw new ArgsError(`--protocol must be mqtt or jt808, got "${raw}"`);
}

/**
 * Where `--start auto` begins: now, when the fleet is at work; otherwise 08:30 of the last working day, so
 * a newcomer at night still sees the fleet drive (fast-forwarded) before it parks for the night.
 */
export function autoStart(
  now: number,
  isWorkingDay: (day: string) => boolean,
): { start: number; fastForward: boolean } {
  const today = localDate(now);
  const minutes = localMinutes(now);
  if (isWorkingDay(today) && minutes >= 8 * 60 + 40 && minutes < 17 * 60 + 20)
    return { start: now, fastForward: false };
  let day = minutes >= 8 * 60 + 40 ? today : addDays(today, -1);
  for (let back = 0; back < 14 && !isWorkingDay(day); back++) day = addDays(day, -1);
  return { start: zonedTime(day, '08:30').getTime(), fastForward: true };
}
