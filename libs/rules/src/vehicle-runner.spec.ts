import { localClock, parseClock } from './local-time.js';
import { mergeParameters } from './parameters.js';
import { at, drive, envOf, park, runAll, track } from './rule-test-kit.js';
import { initialVehicleState, runVehicle } from './vehicle-runner.js';

describe('the per-car rule runner', () => {
  const positions = track('2026-11-26 20:00:00', [...drive(19, 10, 40), ...park(8, 60, 0, 2000)]);

  it('changes nothing when the same positions are delivered again', () => {
    const env = envOf();
    const first = runAll(positions, env);
    const again = runVehicle(first.state, positions, env);
    expect(first.findings.map((e) => e.type)).toEqual(['open', 'close']);
    expect(again.findings).toEqual([]);
    expect(again.state).toEqual(first.state);
  });

  it('gives the same findings whether the positions come in one batch or many', () => {
    const env = envOf();
    const whole = runAll(positions, env);
    let state = initialVehicleState();
    const pieces = [];
    for (let i = 0; i < positions.length; i += 3) {
      const out = runVehicle(state, positions.slice(i, i + 3), env);
      state = out.state;
      pieces.push(...out.findings);
    }
    expect(pieces).toEqual(whole.findings);
    expect(JSON.parse(JSON.stringify(state))).toEqual(JSON.parse(JSON.stringify(whole.state)));
  });

  it('ends a trip after a five-minute stop and keeps the distance driven outside working time apart', () => {
    const env = envOf();
    const legs = [...drive(13, 10, 36), ...park(7, 60, 0, 1200)];
    const { trips } = runAll(track('2026-11-26 17:29:00', legs), env);
    expect(trips).toHaveLength(1);
    expect(trips[0].start).toBe(at('2026-11-26 17:29:00'));
    expect(trips[0].distanceM).toBeCloseTo(1200, -1);
    // Each 100 m step counts where it ends: the five ending 17:29:10–17:29:50 in working time, seven after.
    expect(trips[0].offHoursDistanceM).toBeCloseTo(700, -1);
  });
});

describe('policy-zone clock', () => {
  it.each([
    ['2026-11-26T00:29:59.000Z', 'Asia/Shanghai', '2026-11-26', 8 * 60 + 29 + 59 / 60],
    ['2026-11-25T16:00:00.000Z', 'Asia/Shanghai', '2026-11-26', 0],
    ['2026-03-29T00:30:00.000Z', 'Europe/Berlin', '2026-03-29', 60 + 30],
    ['2026-03-29T01:30:00.000Z', 'Europe/Berlin', '2026-03-29', 3 * 60 + 30],
  ])('%s in %s is %s, minute %d', (iso, zone, date, minutes) => {
    const clock = localClock(Date.parse(iso), zone);
    expect(clock.date).toBe(date);
    expect(clock.minutes).toBeCloseTo(minutes, 6);
  });
  it('reads clock times and refuses nonsense', () => {
    expect(parseClock('08:30')).toBe(510);
    expect(() => parseClock('8h30')).toThrow('not a clock time');
  });
});

describe('rule parameters', () => {
  it('overlays stored values on the defaults and reports unknown keys and wrong types', () => {
    const { parameters, problems } = mergeParameters({
      forbiddenDwellSeconds: 300,
      categoriesRequiringOrders: ['general'],
      speedLimitKmh: 'fast',
      lunchBan: true,
    });
    expect(parameters.forbiddenDwellSeconds).toBe(300);
    expect(parameters.categoriesRequiringOrders).toEqual(['general']);
    expect(parameters.speedLimitKmh).toBe(120);
    expect(problems).toEqual([
      'rule parameter "speedLimitKmh" has the wrong type',
      'unknown rule parameter "lunchBan"',
    ]);
  });
});
