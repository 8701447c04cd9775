import { addDays, localMinutes, zonedTime } from '#app/calendar';
import { DEMO_VENUES } from '#app/geo';
import { parkingBay, type SimCar } from './car.js';
import { defaultPlanContext, planDay, TRIP_WINDOWS } from './day-plan.js';
import { demoCars } from './fleet.js';
import { distanceM } from './geometry.js';
import { stateAt, type Plan } from './plan.js';
import { alongRoute } from './route.js';

// Monday 2026-11-23 … Friday 2026-11-27 are plain working days; 2026-11-28 is a Saturday.
const WEEK = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];
const SATURDAY = '2026-11-28';
const context = defaultPlanContext();
const cars = demoCars().filter((_, i) => i % 10 === 0); // 41 cars across every unit
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
// Plans are pure, so each car and day is planned once for the whole file.
const plans = new Map<string, Plan>();
const planOf = (car: SimCar, day: string): Plan => {
  const key = `${car.terminalId}|${day}`;
  if (!plans.has(key)) plans.set(key, planDay(car, day, context));
  return plans.get(key)!;
};
const moves = (plan: Plan) => plan.segments.filter((s) => s.kind === 'move');

describe('planDay: a normal day of a demo car', () => {
  it('is the same plan every time for the same car and day', () => {
    expect(planDay(cars[3], WEEK[1], context)).toEqual(planDay(cars[3], WEEK[1], context));
    expect(planDay(cars[3], WEEK[1], context)).not.toEqual(planDay(cars[3], WEEK[2], context));
  });

  it('covers the local day without gaps', () => {
    const plan = planDay(cars[0], WEEK[0], context);
    expect(plan.start).toBe(Date.parse('2026-11-22T16:00:00Z'));
    expect(plan.end).toBe(Date.parse('2026-11-23T16:00:00Z'));
    plan.segments.forEach((s, i) => {
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.start).toBe(i === 0 ? plan.start : plan.segments[i - 1].end);
    });
    expect(plan.segments.at(-1)!.end).toBe(plan.end);
  });

  it.each([['00:00'], ['03:30'], ['08:39'], ['17:21'], ['20:00'], ['23:59']])(
    'has every car parked in its bay, engine off, at %s',
    (time) => {
      for (const car of cars) {
        for (const day of WEEK) {
          const state = stateAt(planOf(car, day), zonedTime(day, time).getTime());
          expect(state).toMatchObject({ speedKmh: 0, ignition: false, moving: false });
          expect(state.at).toEqual(parkingBay(car));
          expect(distanceM(state.at, car.homeLot)).toBeLessThan(40);
        }
      }
    },
  );

  it('drives only inside working hours, at 20–60 km/h, ending each trip back in the bay', () => {
    let trips = 0;
    for (const car of cars) {
      for (const day of WEEK) {
        const plan = planOf(car, day);
        for (const move of moves(plan)) {
          const from = localMinutes(move.start);
          const to = localMinutes(move.end - 1);
          const inWindow = TRIP_WINDOWS.some(([a, b]) => from >= minutesOf(a) && to < minutesOf(b));
          expect(inWindow).toBe(true);
          expect(move.speedKmh).toBeGreaterThanOrEqual(20);
          expect(move.speedKmh).toBeLessThanOrEqual(60);
        }
        trips += moves(plan).length > 0 ? 1 : 0;
        const last = plan.segments.at(-1)!;
        expect(last.kind === 'parked' ? last.at : null).toEqual(parkingBay(car));
      }
    }
    // Most cars go out on most days.
    expect(trips).toBeGreaterThan(cars.length * WEEK.length * 0.5);
  });

  it('keeps every trip inside the district, clear of its boundary', () => {
    for (const car of cars) {
      for (const day of WEEK) {
        for (const move of moves(planOf(car, day))) {
          for (const p of alongRoute([move.from, move.to], 100)) expect(context.area.roadAllowed(p)).toBe(true);
        }
      }
    }
  });

  it('never stops for a while near a forbidden venue or a restaurant', () => {
    for (const car of cars) {
      for (const day of WEEK) {
        const plan = planOf(car, day);
        for (const stop of plan.segments.filter((s) => s.kind === 'parked')) {
          for (const venue of DEMO_VENUES) expect(distanceM(stop.at, venue)).toBeGreaterThan(venue.radiusM);
        }
      }
    }
  });

  it('stays in the bay all day on a Saturday and on a statutory holiday', () => {
    for (const car of cars.slice(0, 10)) {
      for (const day of [SATURDAY, '2026-10-01']) {
        const plan = planOf(car, day);
        expect(plan.segments).toEqual([
          { kind: 'parked', start: plan.start, end: plan.end, at: parkingBay(car), headingDeg: 0 },
        ]);
      }
    }
  });

  it('passes through blind areas on some drives, only while moving', () => {
    let blind = 0;
    for (const car of cars) {
      for (const day of WEEK) {
        const plan = planOf(car, day);
        for (const window of plan.blindAreas) {
          blind++;
          expect(window.end - window.start).toBeGreaterThanOrEqual(60_000);
          expect(window.end - window.start).toBeLessThanOrEqual(300_000);
          expect(stateAt(plan, window.start).ignition).toBe(true);
        }
      }
    }
    expect(blind).toBeGreaterThan(3);
  });

  it('works across the date line of the local day (a Sunday evening is still parked)', () => {
    const car: SimCar = cars[5];
    const sunday = addDays(SATURDAY, 1);
    const plan = planDay(car, sunday, context);
    expect(stateAt(plan, zonedTime(sunday, '23:59').getTime()).moving).toBe(false);
  });
});
