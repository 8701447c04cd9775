import { zonedTime } from '#app/calendar';
import { DEMO_POINTS, DEMO_VENUES } from '#app/geo';
import { decodePositionMessage } from '#app/telemetry';
import { parkingBay } from './car.js';
import { defaultPlanContext } from './day-plan.js';
import { demoCars } from './fleet.js';
import { distanceM } from './geometry.js';
import { scenarioMessages } from './scenario-run.js';
import { MALFORMED_EVERY, type ScenarioKind } from './scenarios.js';
import { ALARM_ANTENNA_CUT, type Fix, type SimMessage } from './terminal.js';

// Wednesday 2026-11-25 and Thursday 2026-11-26 are working days.
const DAY = '2026-11-25';
const car = demoCars()[41];
const area = defaultPlanContext().area;
const local = (time: string, day = DAY) => zonedTime(day, time).getTime();
const fixesOf = (messages: SimMessage[]) => messages.flatMap((m) => m.fixes);
const run = (kind: ScenarioKind, encoding: 'json' | 'protobuf' = 'json', to?: Date) =>
  scenarioMessages({ car, kind, day: DAY, encoding, to });
const between = (fixes: Fix[], from: number, to: number) => fixes.filter((f) => f.fixTime >= from && f.fixTime < to);

describe('misuse scenarios, one car on a pinned day', () => {
  it('off-hours: leaves at 20:00, stays 30 min engine off 3 km away, drives back; nothing else moves', () => {
    const { messages, shape } = run('off-hours');
    const fixes = fixesOf(messages);
    expect(shape.departAt).toEqual(new Date(local('20:00')));
    expect(distanceM(shape.target!, parkingBay(car))).toBeCloseTo(3000, -1);
    expect(shape.leaveAt!.getTime() - shape.arriveAt!.getTime()).toBe(30 * 60_000);
    // The next morning the car goes back to its normal trips.
    const moving = fixes.filter((f) => f.speedKmh > 0 && f.fixTime < local('00:00', '2026-11-26'));
    expect(moving.length).toBeGreaterThan(5);
    for (const f of moving) {
      expect(f.fixTime).toBeGreaterThanOrEqual(local('20:00'));
      expect(f.fixTime).toBeLessThan(shape.backAt!.getTime());
      expect(f.speedKmh).toBe(40);
      expect(f.ignition).toBe(true);
    }
    for (const f of between(fixes, shape.arriveAt!.getTime() + 30_000, shape.leaveAt!.getTime())) {
      expect(f).toMatchObject({ speedKmh: 0, ignition: false });
      expect(distanceM(f, shape.target!)).toBeLessThan(10);
    }
    expect(shape.backAt!.getTime()).toBeLessThan(local('22:00'));
  });

  it('forbidden-venue: leaves at 10:00 and stays 40 min inside the KTV fence', () => {
    const { messages, shape } = run('forbidden-venue');
    const ktv = DEMO_VENUES.find((v) => v.key === 'ktv')!;
    expect(shape.departAt).toEqual(new Date(local('10:00')));
    expect(shape.target).toEqual({ lat: ktv.lat, lon: ktv.lon });
    const stay = between(fixesOf(messages), shape.arriveAt!.getTime(), shape.leaveAt!.getTime());
    expect(stay.length).toBe(80);
    for (const f of stay) expect(distanceM(f, ktv)).toBeLessThan(ktv.radiusM);
  });

  it('leave-district: drives out of the jurisdiction at 09:30, stays 30 min in 宿城区, comes back', () => {
    const { messages, shape } = run('leave-district');
    const fixes = fixesOf(messages);
    expect(shape.departAt).toEqual(new Date(local('09:30')));
    expect(shape.target).toEqual(DEMO_POINTS.inSucheng);
    const outside = fixes.filter((f) => !area.inside(f));
    expect(outside.length).toBeGreaterThan(60);
    expect(outside[0].fixTime).toBeGreaterThan(local('09:30'));
    expect(area.inside(fixes.at(-1)!)).toBe(true);
    for (const f of between(fixes, shape.arriveAt!.getTime(), shape.leaveAt!.getTime()))
      expect(area.inside(f)).toBe(false);
  });

  it('overnight-away: parks 2.5 km from its lot from 16:45 and drives back at 08:35 the next day', () => {
    const { messages, shape } = run('overnight-away');
    const fixes = fixesOf(messages);
    expect(shape.departAt).toEqual(new Date(local('16:45')));
    expect(shape.leaveAt).toEqual(new Date(local('08:35', '2026-11-26')));
    const night = between(fixes, local('22:00'), local('06:00', '2026-11-26'));
    expect(night).toHaveLength(8 * 60 * 2);
    for (const f of night) {
      expect(distanceM(f, parkingBay(car))).toBeGreaterThan(2000);
      expect(f).toMatchObject({ speedKmh: 0, ignition: false });
    }
    expect(distanceM(fixes.at(-1)!, parkingBay(car))).toBeLessThan(10);
  });

  it('antenna-cut: 10:05–10:25 reports no fix, alarm bit 5, a frozen position, while the odometer runs on', () => {
    const { messages, shape } = run('antenna-cut');
    const fixes = fixesOf(messages);
    expect(shape.alarmFrom).toEqual(new Date(local('10:05')));
    expect(shape.alarmTo).toEqual(new Date(local('10:25')));
    const cut = between(fixes, local('10:05'), local('10:25'));
    expect(cut).toHaveLength(40);
    for (const f of cut) {
      expect(f).toMatchObject({
        valid: false,
        alarmFlags: ALARM_ANTENNA_CUT,
        speedKmh: 0,
        lat: cut[0].lat,
        lon: cut[0].lon,
      });
    }
    expect(between(fixes, local('10:00'), local('10:05')).every((f) => f.valid && f.alarmFlags === 0)).toBe(true);
    expect(between(fixes, local('10:25'), local('11:00')).every((f) => f.valid && f.alarmFlags === 0)).toBe(true);
    // Still moving under the cut: the odometer grows while the position stands still.
    expect(cut.at(-1)!.odometerKm - cut[0].odometerKm).toBeGreaterThan(1);
  });

  it('silent: reports until 09:00 and then sends nothing at all', () => {
    const { messages, shape } = run('silent');
    expect(shape.silentFrom).toEqual(new Date(local('09:00')));
    const fixes = fixesOf(messages);
    expect(fixes.at(-1)!.fixTime).toBeLessThan(local('09:00'));
    expect(fixes.at(-1)!.fixTime).toBeGreaterThanOrEqual(local('08:59'));
    expect(messages.every((m) => m.sentAt < local('09:00'))).toBe(true);
  });

  it('malformed: adds a bad message after every 10th fix that the platform refuses with the intended reason', () => {
    const { messages } = run('malformed');
    const bad = messages.filter((m) => m.malformed);
    expect(bad.length).toBe(Math.ceil(fixesOf(messages).length / MALFORMED_EVERY));
    expect(bad.slice(0, 6).map((m) => m.malformed)).toEqual([
      'MALFORMED',
      'SCHEMA',
      'OUT_OF_RANGE',
      'NULL_ISLAND',
      'FUTURE',
      'MALFORMED',
    ]);
    for (const m of bad.slice(0, 10)) {
      const decoded = decodePositionMessage(m.topic, m.payload, m.sentAt);
      expect(decoded.positions).toEqual([]);
      expect(decoded.rejections.map((r) => r.reason)).toEqual([m.malformed]);
    }
  });

  it.each(['json', 'protobuf'] as const)(
    'sends only messages the platform accepts in full, encoded as %s, when not told to misbehave',
    (encoding) => {
      const { messages } = run('leave-district', encoding, new Date(local('12:00')));
      expect(messages[0]).toMatchObject({ kind: 'status', payload: Buffer.from('{"online":true}') });
      let seq = -1;
      for (const m of messages.slice(1)) {
        expect(m.topic).toBe(`telematics/v1/${car.terminalId}/${m.kind}`);
        if (encoding === 'json') expect(m.payload[0]).toBe(0x7b);
        else expect(m.payload[0]).not.toBe(0x7b);
        const decoded = decodePositionMessage(m.topic, m.payload, m.sentAt);
        expect(decoded.rejections).toEqual([]);
        expect(decoded.positions).toHaveLength(m.fixes.length);
        decoded.positions.forEach((p, i) => {
          expect(p.fixTime).toBe(m.fixes[i].fixTime);
          expect(p.seq).toBe(++seq);
          expect(p.replay).toBe(m.replay);
          expect(p.lat).toBeCloseTo(m.fixes[i].lat, 6);
        });
      }
    },
  );
});
