import {
  at,
  drive,
  envOf,
  offset,
  order,
  park,
  runAll,
  runRule,
  squareFence,
  track,
  VEHICLE_ID,
  UNIT_ID,
  type Leg,
} from '../rule-test-kit.js';
import type { Rule } from '../rule.types.js';
import { designatedParkingRule } from './designated-parking.rule.js';
import { forbiddenVenueRule } from './forbidden-venue.rule.js';
import { holidaySealingRule } from './holiday-sealing.rule.js';
import { leavingJurisdictionRule } from './leaving-jurisdiction.rule.js';
import { lunchtimeRestaurantRule } from './lunchtime-restaurant.rule.js';
import { offHoursRule } from './off-hours.rule.js';
import { speedingRule } from './speeding.rule.js';
import { terminalTamperingRule } from './terminal-tampering.rule.js';
import { tripWithoutOrderRule } from './trip-without-order.rule.js';

const asRule = <S>(r: Rule<S>) => r as Rule<unknown>;

describe('off-hours use', () => {
  // 2026-11-26 is a Thursday (working day); 2026-11-28 a Saturday.
  it.each([
    ['moves 50 s after 17:30 on a working day (under the minimum): raises nothing', '2026-11-26 17:31:00', 6, 10, 0],
    ['moves 70 s after 17:30 on a working day: raises once', '2026-11-26 17:31:00', 8, 10, 1],
    ['moves 2 min ending before 17:30: raises nothing', '2026-11-26 17:27:00', 13, 10, 0],
    ['moves at 08:31 for 3 minutes: raises nothing', '2026-11-26 08:31:00', 19, 10, 0],
    ['moves at 08:25 for 3 minutes: raises once', '2026-11-26 08:25:00', 19, 10, 1],
    ['moves in the lunch break: raises once', '2026-11-26 12:30:00', 19, 10, 1],
    ['moves on a Saturday afternoon: raises once', '2026-11-28 15:00:00', 19, 10, 1],
  ])('%s', (_name, start, fixes, every, expected) => {
    const { opened } = runRule(asRule(offHoursRule), track(start, drive(fixes, every, 40)), envOf());
    expect(opened).toHaveLength(expected);
  });

  it('treats the speed threshold strictly: 5 km/h is not moving, 6 km/h is', () => {
    const slow = runRule(
      asRule(offHoursRule),
      track(
        '2026-11-26 20:00:00',
        park(20, 10).map((l) => ({ ...l, speed: 5 })),
      ),
      envOf(),
    );
    const fast = runRule(asRule(offHoursRule), track('2026-11-26 20:00:00', drive(20, 10, 6)), envOf());
    expect(slow.opened).toHaveLength(0);
    expect(fast.opened).toHaveLength(1);
  });

  it('counts ignition on and displacing as moving even when the speed field says 0', () => {
    const legs: Leg[] = Array.from({ length: 10 }, (_, i) => ({ after: 20, speed: 0, ignition: true, e: i * 150 }));
    expect(runRule(asRule(offHoursRule), track('2026-11-26 21:00:00', legs), envOf()).opened).toHaveLength(1);
  });

  it('works on a make-up working day (调休) and rests on a statutory holiday', () => {
    const env = envOf({ holidays: ['2026-10-01'], makeUpDays: ['2026-09-27'] });
    const makeUp = runRule(asRule(offHoursRule), track('2026-09-27 10:00:00', drive(19, 10, 40)), env);
    const holiday = runRule(asRule(offHoursRule), track('2026-10-01 10:00:00', drive(19, 10, 40)), env);
    expect(makeUp.opened).toHaveLength(0);
    expect(holiday.opened).toHaveLength(1);
  });

  it('is silent under an approved order covering the trip and raises under one that does not', () => {
    const legs = drive(19, 10, 40);
    const covering = envOf({ orders: [order('2026-11-26 19:00:00', '2026-11-26 21:00:00')] });
    const elsewhere = envOf({ orders: [order('2026-11-26 07:00:00', '2026-11-26 08:00:00')] });
    expect(runRule(asRule(offHoursRule), track('2026-11-26 20:00:00', legs), covering).opened).toHaveLength(0);
    const raised = runRule(asRule(offHoursRule), track('2026-11-26 20:00:00', legs), elsewhere).opened;
    expect(raised).toHaveLength(1);
    expect(raised[0].finding.evidence.ordersConsidered).toEqual([]);
  });

  it('records start, end, distance and parameters as evidence and closes the episode after a stop', () => {
    const legs: Leg[] = [...drive(13, 10, 36), ...park(8, 60, 0, 1200)];
    const { events } = runRule(asRule(offHoursRule), track('2026-11-26 19:00:00', legs), envOf());
    expect(events.map((e) => e.type)).toEqual(['open', 'close']);
    const closed = events[1].finding;
    expect(closed.start).toBe(at('2026-11-26 19:00:00'));
    expect(closed.end).toBe(at('2026-11-26 19:02:00'));
    expect(closed.evidence.details.distanceM).toBeGreaterThan(1100);
    expect(closed.evidence.parameters).toMatchObject({ movingSpeedKmh: 5, minSeconds: 60 });
  });

  it('exempts emergency and law-enforcement cars by default, and not when configured otherwise', () => {
    const positions = track('2026-11-26 20:00:00', drive(19, 10, 40));
    expect(runAll(positions, envOf({ category: 'emergency' })).findings).toHaveLength(0);
    expect(runAll(positions, envOf({ category: 'law_enforcement' })).findings).toHaveLength(0);
    const strict = envOf({ category: 'emergency', params: { exemptions: {} } });
    expect(runAll(positions, strict).findings.filter((e) => e.type === 'open')).toHaveLength(1);
  });
});

describe('holiday sealing', () => {
  const env = envOf({ holidays: ['2026-10-01'], makeUpDays: ['2026-09-27'] });
  it.each([
    ['moves on a statutory holiday: raises once', '2026-10-01 10:00:00', 1],
    ['moves on a make-up working day: raises nothing', '2026-09-27 10:00:00', 0],
    ['moves on an ordinary Saturday: raises nothing', '2026-11-28 10:00:00', 0],
  ])('%s', (_n, start, expected) => {
    expect(runRule(asRule(holidaySealingRule), track(start, drive(19, 10, 40)), env).opened).toHaveLength(expected);
  });
  it('allows a holiday trip under an approved order', () => {
    const covered = envOf({ holidays: ['2026-10-01'], orders: [order('2026-10-01 09:00:00', '2026-10-01 12:00:00')] });
    expect(
      runRule(asRule(holidaySealingRule), track('2026-10-01 10:00:00', drive(19, 10, 40)), covered).opened,
    ).toHaveLength(0);
  });
});

describe('leaving the jurisdiction', () => {
  // District: a 2 km square around BASE. Driving east leaves it at 1000 m.
  const district = squareFence('district', 'jurisdiction', offset(0, 0), 1000);
  const leave: Leg[] = drive(30, 10, 72); // 200 m per fix, 0 → 5800 m east
  it('raises once when the car drives out and stays out', () => {
    const { opened } = runRule(
      asRule(leavingJurisdictionRule),
      track('2026-11-26 10:00:00', leave),
      envOf({ fences: [district] }),
    );
    expect(opened).toHaveLength(1);
    expect(opened[0].finding.start).toBe(at('2026-11-26 10:00:50'));
    expect(opened[0].finding.fenceId).toBe('district');
  });
  it.each([
    ['2 fixes outside (under the fix count): raises nothing', 2, 0],
    ['3 fixes outside spanning 60 s: raises once', 3, 1],
  ])('%s', (_n, outside, expected) => {
    const legs: Leg[] = [
      { after: 0, speed: 40, e: 800 },
      ...Array.from({ length: outside }, (_, i) => ({ after: 30, speed: 40, e: 1100 + i * 100 })),
      ...Array.from({ length: 5 }, () => ({ after: 30, speed: 40, e: 500 })),
    ];
    expect(
      runRule(asRule(leavingJurisdictionRule), track('2026-11-26 10:00:00', legs), envOf({ fences: [district] }))
        .opened,
    ).toHaveLength(expected);
  });
  it('never opens for a car parked on the boundary whose fixes drift across it by a few metres', () => {
    const legs: Leg[] = Array.from({ length: 200 }, (_, i) => ({
      after: 15,
      speed: 0,
      e: 1000 + (i % 4 < 2 ? -4 : 4) + (i % 3),
    }));
    expect(
      runRule(asRule(leavingJurisdictionRule), track('2026-11-26 10:00:00', legs), envOf({ fences: [district] }))
        .events,
    ).toHaveLength(0);
  });
  it('is allowed by an approved order that leaves the jurisdiction, not by one that stays inside', () => {
    const leaving = envOf({
      fences: [district],
      orders: [order('2026-11-26 09:00:00', '2026-11-26 18:00:00', { leavesJurisdiction: true })],
    });
    const staying = envOf({ fences: [district], orders: [order('2026-11-26 09:00:00', '2026-11-26 18:00:00')] });
    expect(runRule(asRule(leavingJurisdictionRule), track('2026-11-26 10:00:00', leave), leaving).opened).toHaveLength(
      0,
    );
    const raised = runRule(asRule(leavingJurisdictionRule), track('2026-11-26 10:00:00', leave), staying).opened;
    expect(raised).toHaveLength(1);
    expect(raised[0].finding.evidence.ordersConsidered).toEqual(['order-2026-11-26 09:00:00']);
  });
});

describe('forbidden venue', () => {
  const club = squareFence('club', 'forbidden', offset(0, 2000), 50, { name: 'Golden club' });
  const env = envOf({ fences: [club] });
  const stay = (minutes: number): Leg[] => [
    ...drive(5, 20, 36, 1000), // approach
    ...Array.from({ length: minutes * 2 + 1 }, (_, i) => ({ after: i === 0 ? 50 : 30, speed: 0, e: 2000 })),
    ...drive(5, 20, 36, 2200),
  ];
  it.each([
    ['stays 9.5 minutes: raises nothing', 9.5, 0],
    ['stays 10 minutes: raises once', 10, 1],
    ['stays an hour: raises once', 60, 1],
  ])('%s', (_n, minutes, expected) => {
    expect(runRule(asRule(forbiddenVenueRule), track('2026-11-26 15:00:00', stay(minutes)), env).opened).toHaveLength(
      expected,
    );
  });
  it('opens and closes once while the fixes zig-zag across the fence edge by a few metres', () => {
    const edge: Leg[] = Array.from({ length: 60 }, (_, i) => ({
      after: i === 0 ? 0 : 20,
      speed: 0,
      e: 2050 + (i % 2 ? 5 : -5),
    }));
    const legs: Leg[] = [...edge, ...drive(8, 20, 36, 2300)];
    const { events } = runRule(asRule(forbiddenVenueRule), track('2026-11-26 15:00:00', legs), env);
    expect(events.map((e) => e.type)).toEqual(['open', 'close']);
    expect(events[0].finding.place).toBe('Golden club');
  });
  it('ignores invalid fixes for fences', () => {
    const legs: Leg[] = Array.from({ length: 30 }, (_, i) => ({
      after: i === 0 ? 0 : 30,
      speed: 0,
      e: 2000,
      valid: false,
    }));
    expect(runRule(asRule(forbiddenVenueRule), track('2026-11-26 15:00:00', legs), env).events).toHaveLength(0);
  });
});

describe('lunchtime restaurant stay', () => {
  const restaurant = squareFence('rest', 'restaurant', offset(0, 0), 40);
  const env = envOf({ fences: [restaurant] });
  const sit = (minutes: number): Leg[] =>
    Array.from({ length: minutes * 2 + 1 }, (_, i) => ({ after: i === 0 ? 0 : 30, speed: 0 }));
  it.each([
    ['19.5 min at 12:00 on a working day: raises nothing', '2026-11-26 12:00:00', 19.5, 1, 0],
    ['20 min at 12:00 on a working day: raises once', '2026-11-26 12:00:00', 20, 1, 1],
    ['40 min from 11:00: only 10 min inside the window: raises nothing', '2026-11-26 11:00:00', 40, 1, 0],
    ['30 min at 12:00 on a Saturday: raises nothing', '2026-11-28 12:00:00', 30, 1, 0],
  ])('%s', (_n, start, minutes, _x, expected) => {
    const { opened } = runRule(asRule(lunchtimeRestaurantRule), track(start, sit(minutes)), env);
    expect(opened).toHaveLength(expected);
    if (expected) expect(opened[0].finding.kind).toBe('suspicion');
  });
});

describe('designated parking', () => {
  const lot = squareFence('lot', 'parking', offset(0, 0), 60, { unitIds: [UNIT_ID] });
  const env = envOf({ fences: [lot] });
  const parkedAt = (e: number, minutes: number): Leg[] =>
    Array.from({ length: minutes / 5 + 1 }, (_, i) => ({ after: i === 0 ? 0 : 300, speed: 0, e }));
  it.each([
    ['parked 15 min at 22:30 outside the lot: raises nothing', '2026-11-26 22:30:00', 3000, 15, 0],
    ['parked 20 min at 22:30 outside the lot: raises once', '2026-11-26 22:30:00', 3000, 20, 1],
    ['parked all night inside the lot: raises nothing', '2026-11-26 21:00:00', 0, 600, 0],
    ['parked 60 min at 19:00 outside the lot: raises nothing', '2026-11-26 19:00:00', 3000, 60, 0],
    ['parked since 21:50 outside, counted from 22:00: raises nothing', '2026-11-26 21:50:00', 3000, 25, 0],
    ['parked since 21:50 outside, 30 min: raises once', '2026-11-26 21:50:00', 3000, 30, 1],
  ])('%s', (_n, start, e, minutes, expected) => {
    expect(runRule(asRule(designatedParkingRule), track(start, parkedAt(e, minutes)), env).opened).toHaveLength(
      expected,
    );
  });
  it('starts the finding at 22:00 when the car was parked before', () => {
    const { opened } = runRule(asRule(designatedParkingRule), track('2026-11-26 20:00:00', parkedAt(3000, 180)), env);
    expect(opened[0].finding.start).toBe(at('2026-11-26 22:00:00'));
  });
  it('does not run for a car without any lot', () => {
    expect(runAll(track('2026-11-26 22:30:00', parkedAt(3000, 60)), envOf()).findings).toHaveLength(0);
  });
});

describe('speeding', () => {
  const zone = squareFence('school', 'speed_zone', offset(0, 5000), 3000, { speedLimitKmh: 40 });
  it.each([
    ['125 km/h for 25 s: raises nothing', 125, 6, 5, 0],
    ['125 km/h for 30 s: raises once', 125, 7, 5, 1],
    ['120 km/h for a minute: raises nothing', 120, 13, 5, 0],
  ])('%s', (_n, speed, fixes, every, expected) => {
    expect(
      runRule(asRule(speedingRule), track('2026-11-26 10:00:00', drive(fixes, every, speed, -90000)), envOf()).opened,
    ).toHaveLength(expected);
  });
  it('applies the lower limit of a speed zone', () => {
    const { opened } = runRule(
      asRule(speedingRule),
      track('2026-11-26 10:00:00', drive(10, 10, 50, 4000)),
      envOf({ fences: [zone] }),
    );
    expect(opened).toHaveLength(1);
    expect(opened[0].finding.evidence.parameters).toMatchObject({ limitKmh: 40 });
    expect(opened[0].finding.fenceId).toBe('school');
  });
});

describe('trip without dispatch order', () => {
  const legs: Leg[] = [...park(3, 120), ...drive(15, 10, 36, 0)];
  const needsOrders = { categoriesRequiringOrders: ['general' as const] };
  it('raises a working-time trip of a category that needs orders', () => {
    const { opened } = runRule(
      asRule(tripWithoutOrderRule),
      track('2026-11-26 10:00:00', legs),
      envOf({ params: needsOrders }),
    );
    expect(opened).toHaveLength(1);
  });
  it('is silent for a trip under an approved order and for categories not configured', () => {
    const covered = envOf({ params: needsOrders, orders: [order('2026-11-26 09:00:00', '2026-11-26 11:00:00')] });
    expect(runRule(asRule(tripWithoutOrderRule), track('2026-11-26 10:00:00', legs), covered).opened).toHaveLength(0);
    expect(runAll(track('2026-11-26 10:00:00', legs), envOf()).findings).toHaveLength(0);
  });
  it('ignores a trip shorter than 500 m', () => {
    const short: Leg[] = [...park(3, 120), ...drive(4, 10, 36, 0)];
    expect(
      runRule(asRule(tripWithoutOrderRule), track('2026-11-26 10:00:00', short), envOf({ params: needsOrders })).opened,
    ).toHaveLength(0);
  });
});

describe('terminal tampering', () => {
  it.each([
    ['antenna cut (bit 5): raises once', 1 << 5, 1],
    ['GNSS fault (bit 4): raises once', 1 << 4, 1],
    ['main power off (bit 8): raises once', 1 << 8, 1],
    ['SOS (bit 0) is not tampering: raises nothing', 1, 0],
  ])('%s', (_n, alarm, expected) => {
    const legs: Leg[] = [
      { after: 0, speed: 30 },
      { after: 10, speed: 30, alarm },
      { after: 10, speed: 30, alarm },
      { after: 10, speed: 30 },
    ];
    expect(runRule(asRule(terminalTamperingRule), track('2026-11-26 10:00:00', legs), envOf()).opened).toHaveLength(
      expected,
    );
  });
  it.each([
    ['a 9-minute gap with ignition on: raises nothing', 540, true, 0],
    ['a 10-minute gap with ignition on: raises once', 600, true, 1],
    ['a 2-hour gap with ignition off: raises nothing', 7200, false, 0],
  ])('%s', (_n, gap, ignition, expected) => {
    const legs: Leg[] = [
      { after: 0, speed: 0, ignition },
      { after: gap, speed: 0, ignition },
    ];
    expect(runRule(asRule(terminalTamperingRule), track('2026-11-26 10:00:00', legs), envOf()).opened).toHaveLength(
      expected,
    );
  });
  it('waits out the grace period before raising a gap, so a blind-area re-upload can fill it first', () => {
    const legs: Leg[] = [
      { after: 0, speed: 30, ignition: true },
      { after: 900, speed: 30, ignition: true },
      { after: 10, speed: 30, ignition: true },
      { after: 10, speed: 30, ignition: true },
    ];
    // Received: the fix after the gap at R, the next 30 s later, the last 150 s later.
    const received = [0, 1_000_000, 1_030_000, 1_150_000];
    const positions = track('2026-11-26 10:00:00', legs).map((p, i) => ({ ...p, receivedMs: received[i] }));
    const early = runRule(asRule(terminalTamperingRule), positions.slice(0, 3), envOf());
    expect(early.opened).toHaveLength(0);
    const later = runRule(asRule(terminalTamperingRule), positions, envOf());
    expect(later.opened).toHaveLength(1);
    expect(later.opened[0].finding.start).toBe(at('2026-11-26 10:00:00'));
    expect(later.opened[0].finding.evidence.details).toMatchObject({ causes: ['position_gap'], gapSeconds: 900 });
    // The same stretch with the blind-area fixes in it has no gap at all.
    const filled = [
      positions[0],
      ...track('2026-11-26 10:05:00', [
        { after: 0, speed: 30 },
        { after: 300, speed: 30 },
      ]).map((p) => ({
        ...p,
        receivedMs: 1_020_000,
      })),
      ...positions.slice(1),
    ];
    expect(runRule(asRule(terminalTamperingRule), filled, envOf()).opened).toHaveLength(0);
  });
  it.each([
    ['odometer +4 km between two fixes at one spot: raises nothing', 4, 0],
    ['odometer +6 km between two fixes at one spot: raises once', 6, 1],
  ])('%s', (_n, km, expected) => {
    const legs: Leg[] = [
      { after: 0, speed: 0, ignition: false, odo: 100 },
      { after: 300, speed: 0, ignition: false, odo: 100 + km },
    ];
    expect(runRule(asRule(terminalTamperingRule), track('2026-11-26 10:00:00', legs), envOf()).opened).toHaveLength(
      expected,
    );
  });
});

it('keeps the test vehicle id stable (used by the fixtures)', () => {
  expect(VEHICLE_ID).toMatch(/^[0-9a-f-]{36}$/);
});
