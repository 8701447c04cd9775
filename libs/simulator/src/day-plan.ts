import { addDays, OFFICIAL_SCHEDULES, PolicyCalendar, scheduleDays, zonedTime } from '#app/calendar';
import { demoDrivingArea, type DrivingArea } from './district.js';
import { parkingBay, type SimCar } from './car.js';
import { offsetM, type LatLon } from './geometry.js';
import { PlanBuilder, type Plan } from './plan.js';
import { between, randomFor, type Random } from './random.js';
import { alongRoute, roadRoute } from './route.js';
import { scriptScenarioDay, type ScenarioAssignment } from './scenarios.js';

/** Everything a day plan depends on besides the car and the day. */
export interface PlanContext {
  area: DrivingArea;
  isWorkingDay(localDay: string): boolean;
  /** Scenarios assigned to cars; a car without one drives a normal day. */
  scenarios: readonly ScenarioAssignment[];
}

let officialCalendar: PolicyCalendar | undefined;

/** Working days per the State Council schedules shipped with the calendar (weekends otherwise). */
export function officialWorkingDay(localDay: string): boolean {
  officialCalendar ??= new PolicyCalendar(
    OFFICIAL_SCHEDULES.flatMap((s) => scheduleDays(s)),
    OFFICIAL_SCHEDULES.map((s) => s.year),
  );
  return officialCalendar.isWorkingDay(localDay);
}

export function defaultPlanContext(scenarios: readonly ScenarioAssignment[] = []): PlanContext {
  return { area: demoDrivingArea(), isWorkingDay: officialWorkingDay, scenarios };
}

/** Trips start and end inside these local windows: the working hours, with a few minutes to spare. */
export const TRIP_WINDOWS = [
  ['08:40', '11:50'],
  ['14:10', '17:20'],
] as const;
/** Normal town driving. */
export const TOWN_SPEED_KMH: [number, number] = [20, 60];
const TRIPS_PER_WINDOW = [0, 1, 1, 1, 1, 2, 2, 2, 2, 3];

/**
 * One local day (Asia/Shanghai, midnight to midnight) of one car. On working days the car makes a few trips
 * from its lot to places in the district and back, all inside working hours; otherwise, and at night, it
 * stands in its bay. A scenario assigned for the day (or one still running from the day before) replaces
 * the normal trips with its scripted shape. Deterministic: the same car and day always give the same plan.
 */
export function planDay(car: SimCar, localDay: string, context: PlanContext): Plan {
  const start = zonedTime(localDay, '00:00').getTime();
  const end = zonedTime(addDays(localDay, 1), '00:00').getTime();
  const mine = context.scenarios.filter((s) => s.terminalId === car.terminalId);
  const scripted = scriptScenarioDay(car, localDay, mine);
  if (scripted) return scripted;
  const silent = mine.find((s) => s.kind === 'silent' && s.day <= localDay);
  const silentFrom = silent ? (silent.day === localDay ? zonedTime(localDay, '09:00').getTime() : start) : null;
  const random = randomFor(car.terminalId, localDay);
  const plan = new PlanBuilder(start, parkingBay(car), random);
  if (context.isWorkingDay(localDay)) {
    for (const [from, to] of TRIP_WINDOWS) {
      const windowStart = zonedTime(localDay, from).getTime();
      const windowEnd = zonedTime(localDay, to).getTime();
      const trips = TRIPS_PER_WINDOW[Math.floor(random() * TRIPS_PER_WINDOW.length)];
      for (let n = 0; n < trips; n++) {
        if (!addTrip(plan, car, random, context.area, windowStart, windowEnd)) break;
      }
    }
  }
  return plan.build(end, silentFrom);
}

/** Out to a destination, a stay with the engine off, back to the bay; undone if it cannot end in time. */
function addTrip(
  plan: PlanBuilder,
  car: SimCar,
  random: Random,
  area: DrivingArea,
  windowStart: number,
  windowEnd: number,
): boolean {
  const earliest = Math.max(plan.time + 5 * 60_000, windowStart);
  if (earliest >= windowEnd) return false;
  const depart = earliest + Math.floor(random() * Math.min(150 * 60_000, windowEnd - earliest));
  const home = parkingBay(car);
  const destination = pickDestination(home, random, area);
  if (!destination) return false;
  const mark = plan.mark();
  plan.parkUntil(depart);
  const leftAt = plan.time;
  const arrived = plan.drive(destination.out, { speedKmh: TOWN_SPEED_KMH, stopChance: 0.3 });
  maybeBlindArea(plan, random, leftAt, arrived);
  plan.parkUntil(arrived + Math.round(between(random, 10, 60)) * 60_000);
  plan.drive(destination.back, { speedKmh: TOWN_SPEED_KMH, stopChance: 0.3 });
  if (plan.time > windowEnd) {
    plan.reset(mark);
    return false;
  }
  return true;
}

/** One drive in seven passes through a spot without mobile signal for 1.5–5 minutes. */
function maybeBlindArea(plan: PlanBuilder, random: Random, from: number, to: number): void {
  if (to - from < 4 * 60_000 || random() >= 1 / 7) return;
  const start = from + Math.floor(random() * ((to - from) / 2));
  const length = Math.round(between(random, 90, 300)) * 1000;
  plan.blindAreas.push({ start, end: Math.min(to, start + length) });
}

/** A place 1.5–7 km from the lot where the car may stop, with both routes inside the district. */
export function pickDestination(
  home: LatLon,
  random: Random,
  area: DrivingArea,
): { at: LatLon; out: LatLon[]; back: LatLon[] } | null {
  for (let attempt = 0; attempt < 40; attempt++) {
    const distance = between(random, 1500, 7000) * (attempt < 20 ? 1 : 0.5);
    const bearing = random() * 2 * Math.PI;
    const at = offsetM(home, Math.cos(bearing) * distance, Math.sin(bearing) * distance);
    if (!area.stopAllowed(at)) continue;
    const out = roadRoute(home, at, random);
    const back = roadRoute(at, home, random);
    if (alongRoute(out).every(area.roadAllowed) && alongRoute(back).every(area.roadAllowed)) return { at, out, back };
  }
  return null;
}
