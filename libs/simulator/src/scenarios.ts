import { addDays, zonedTime } from '#app/calendar';
import { DEMO_POINTS, DEMO_VENUES } from '#app/geo';
import { parkingBay, type SimCar } from './car.js';
import { offsetM, type LatLon } from './geometry.js';
import { PlanBuilder, type Plan } from './plan.js';
import { randomFor } from './random.js';
import { roadRoute } from './route.js';

/**
 * The misuse a car can be told to commit, each with a fixed shape (local times, Asia/Shanghai, on the
 * scenario's day; speeds constant, no red lights, no blind areas, so every run gives the same fixes):
 *
 * | kind | shape |
 * |---|---|
 * | `off-hours` | parked until 20:00, drives at 40 km/h to `target` (default 3 km east of the lot), stays 30 min engine off, drives back at 40 km/h |
 * | `forbidden-venue` | leaves at 10:00, 40 km/h to `target` (default the demo KTV, a `forbidden` fence), stays 40 min engine off at its centre, drives back |
 * | `leave-district` | leaves at 09:30, 50 km/h to `target` (default a point in 宿城区, outside the jurisdiction), stays 30 min, drives back |
 * | `overnight-away` | leaves at 16:45, 40 km/h to `target` (default 2.5 km north of the lot), parks there overnight, drives back at 08:35 the next day |
 * | `antenna-cut` | leaves at 10:00, 30 km/h to `target` (default 5 km east), stays 20 min, drives back; 10:05–10:25 the GNSS antenna is cut: alarm bit 5 set, no fix (valid false, last position, speed 0) while the odometer runs on |
 * | `silent` | a normal day until 09:00, then nothing at all: the link drops without a goodbye, so the broker publishes the will `{"online": false}`; silent for the rest of the run |
 * | `malformed` | a normal day, plus one bad message after every 10th fix, in turn: truncated JSON (MALFORMED), no fixTime (SCHEMA), lat 123.4 (OUT_OF_RANGE), 0,0 with a fix (NULL_ISLAND), fixTime a year ahead (FUTURE) |
 *
 * Apart from the scripted movement the car stands in its bay all day.
 */
export const SCENARIO_KINDS = [
  'off-hours',
  'forbidden-venue',
  'leave-district',
  'overnight-away',
  'antenna-cut',
  'silent',
  'malformed',
] as const;
export type ScenarioKind = (typeof SCENARIO_KINDS)[number];

export interface ScenarioAssignment {
  kind: ScenarioKind;
  terminalId: string;
  /** Local day (YYYY-MM-DD, Asia/Shanghai) the scenario happens on. */
  day: string;
  /** Where the scripted drive goes; each kind has a documented default. */
  target?: LatLon;
}

/** The instants of a scripted scenario, for tests that expect the findings it should raise. */
export interface ScenarioShape {
  kind: ScenarioKind;
  day: string;
  target: LatLon | null;
  /** Leaves the lot. */
  departAt: Date | null;
  /** Reaches the target and switches the engine off. */
  arriveAt: Date | null;
  /** Leaves the target. */
  leaveAt: Date | null;
  /** Back in its bay (for overnight-away: the next morning). */
  backAt: Date | null;
  /** Antenna cut, silence. */
  alarmFrom: Date | null;
  alarmTo: Date | null;
  silentFrom: Date | null;
}

/** The first of every 10 fixes is followed by a bad message, cycling through these. */
export const MALFORMED_EVERY = 10;
export const MALFORMED_KINDS = ['MALFORMED', 'SCHEMA', 'OUT_OF_RANGE', 'NULL_ISLAND', 'FUTURE'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

interface Script {
  departAt: string;
  speedKmh: number;
  stayMinutes: number | 'overnight';
  target: (car: SimCar) => LatLon;
  antennaCut?: [string, string];
}

const SCRIPTS: Partial<Record<ScenarioKind, Script>> = {
  'off-hours': { departAt: '20:00', speedKmh: 40, stayMinutes: 30, target: (car) => offsetM(parkingBay(car), 0, 3000) },
  'forbidden-venue': {
    departAt: '10:00',
    speedKmh: 40,
    stayMinutes: 40,
    target: () => {
      const ktv = DEMO_VENUES.find((v) => v.kind === 'forbidden')!;
      return { lat: ktv.lat, lon: ktv.lon };
    },
  },
  'leave-district': { departAt: '09:30', speedKmh: 50, stayMinutes: 30, target: () => ({ ...DEMO_POINTS.inSucheng }) },
  'overnight-away': {
    departAt: '16:45',
    speedKmh: 40,
    stayMinutes: 'overnight',
    target: (car) => offsetM(parkingBay(car), 2500, 0),
  },
  'antenna-cut': {
    departAt: '10:00',
    speedKmh: 30,
    stayMinutes: 20,
    target: (car) => offsetM(parkingBay(car), 0, 5000),
    antennaCut: ['10:05', '10:25'],
  },
};

/** The morning after `overnight-away`, the car drives home at this time. */
export const OVERNIGHT_RETURN_AT = '08:35';

function targetOf(car: SimCar, assignment: ScenarioAssignment): LatLon | null {
  const script = SCRIPTS[assignment.kind];
  return script ? (assignment.target ?? script.target(car)) : null;
}

/**
 * The plan of a day that a scenario scripts, or null for a normal day. Also scripts the morning after
 * `overnight-away`, when the car starts away from its lot.
 */
export function scriptScenarioDay(car: SimCar, localDay: string, mine: readonly ScenarioAssignment[]): Plan | null {
  const today = mine.find((s) => s.day === localDay && SCRIPTS[s.kind]);
  const lastNight = mine.find((s) => s.kind === 'overnight-away' && s.day === addDays(localDay, -1));
  if (!today && !lastNight) return null;
  const start = zonedTime(localDay, '00:00').getTime();
  const end = zonedTime(addDays(localDay, 1), '00:00').getTime();
  const home = parkingBay(car);
  const random = randomFor(car.terminalId, localDay, 'scenario');
  const plan = new PlanBuilder(start, lastNight ? targetOf(car, lastNight)! : home, random);
  if (lastNight) {
    plan.parkUntil(zonedTime(localDay, OVERNIGHT_RETURN_AT).getTime());
    plan.drive(roadRoute(plan.at, home, random), { speedKmh: 40, stopChance: 0 });
  }
  if (today) {
    const script = SCRIPTS[today.kind]!;
    const target = targetOf(car, today)!;
    plan.parkUntil(zonedTime(localDay, script.departAt).getTime());
    const out = roadRoute(plan.at, target, random);
    const back = roadRoute(target, home, random);
    const arrived = plan.drive(out, { speedKmh: script.speedKmh, stopChance: 0 });
    if (script.stayMinutes !== 'overnight') {
      plan.parkUntil(arrived + script.stayMinutes * 60_000);
      plan.drive(back, { speedKmh: script.speedKmh, stopChance: 0 });
    }
    if (script.antennaCut) {
      plan.antennaCuts.push({
        start: zonedTime(localDay, script.antennaCut[0]).getTime(),
        end: zonedTime(localDay, script.antennaCut[1]).getTime(),
      });
    }
  }
  return plan.build(end);
}

/** When the scenario's parts happen, computed from the same plans the terminal follows. */
export function scenarioShape(car: SimCar, assignment: ScenarioAssignment): ScenarioShape {
  const shape: ScenarioShape = {
    kind: assignment.kind,
    day: assignment.day,
    target: targetOf(car, assignment),
    departAt: null,
    arriveAt: null,
    leaveAt: null,
    backAt: null,
    alarmFrom: null,
    alarmTo: null,
    silentFrom: null,
  };
  if (assignment.kind === 'silent') {
    shape.silentFrom = zonedTime(assignment.day, '09:00');
    return shape;
  }
  const script = SCRIPTS[assignment.kind];
  if (!script) return shape;
  const mine = [assignment];
  const plan = scriptScenarioDay(car, assignment.day, mine)!;
  const departAt = zonedTime(assignment.day, script.departAt).getTime();
  const moves = plan.segments.filter((s) => s.kind === 'move' && s.start >= departAt);
  const firstMove = moves[0];
  const stay = plan.segments.find((s) => s.kind === 'parked' && s.start > departAt);
  shape.departAt = new Date(firstMove.start);
  shape.arriveAt = stay ? new Date(stay.start) : null;
  if (script.stayMinutes === 'overnight') {
    const next = scriptScenarioDay(car, addDays(assignment.day, 1), mine)!;
    const back = next.segments.filter((s) => s.kind === 'move');
    shape.leaveAt = new Date(back[0].start);
    shape.backAt = new Date(back[back.length - 1].end);
  } else {
    shape.leaveAt = stay ? new Date(stay.end) : null;
    shape.backAt = new Date(moves[moves.length - 1].end);
  }
  if (script.antennaCut) {
    shape.alarmFrom = zonedTime(assignment.day, script.antennaCut[0]);
    shape.alarmTo = zonedTime(assignment.day, script.antennaCut[1]);
  }
  return shape;
}
