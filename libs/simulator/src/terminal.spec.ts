import { zonedTime } from '#app/calendar';
import { ArgsError, autoStart, parseSimulatorArgs } from './args.js';
import { defaultPlanContext, officialWorkingDay, planDay } from './day-plan.js';
import { demoCars, pickScenarioCars } from './fleet.js';
import { simulatedClock } from './sim-clock.js';
import { SimTerminal } from './terminal.js';

const context = defaultPlanContext();
const WEEK = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];

describe('SimTerminal', () => {
  it('fixes every interval at its own phase and numbers them', () => {
    const [car] = demoCars(1);
    const terminal = new SimTerminal(car, { intervalSeconds: 30, encoding: 'json', context });
    const from = zonedTime('2026-11-25', '07:00').getTime();
    const messages = terminal.advance(from + 10 * 60_000, from);
    const times = messages.map((m) => m.fixes[0].fixTime);
    expect(times).toHaveLength(20);
    times.slice(1).forEach((t, i) => expect(t - times[i]).toBe(30_000));
    expect(times[0]).toBeGreaterThanOrEqual(from);
    expect(messages.map((m) => m.fixes[0].seq)).toEqual([...Array(20).keys()]);
    // Nothing new until the next slot; then exactly one.
    expect(terminal.advance(times[19] + 29_999)).toEqual([]);
    expect(terminal.advance(times[19] + 30_000)).toHaveLength(1);
  });

  it('keeps fixes taken in a blind area and uploads them as one replay batch when the signal returns', () => {
    let found: { car: ReturnType<typeof demoCars>[number]; plan: ReturnType<typeof planDay> } | undefined;
    for (const car of demoCars()) {
      const plan = planDay(car, WEEK[0], context);
      if (plan.blindAreas.length > 0) {
        found = { car, plan };
        break;
      }
    }
    if (!found) throw new Error('no demo car passes a blind area on that day');
    const blind = found.plan.blindAreas[0];
    const terminal = new SimTerminal(found.car, { intervalSeconds: 30, encoding: 'json', context });
    const messages = terminal.advance(blind.end + 60_000, blind.start - 5 * 60_000);
    const fixTimes = messages.flatMap((m) => m.fixes.map((f) => f.fixTime));
    // Every slot is reported exactly once, in order, with nothing lost to the gap.
    fixTimes.slice(1).forEach((t, i) => expect(t - fixTimes[i]).toBe(30_000));
    const batches = messages.filter((m) => m.kind === 'positions');
    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect(batch.replay).toBe(true);
    expect(JSON.parse(batch.payload.toString()).replay).toBe(true);
    for (const f of batch.fixes) {
      expect(f.fixTime).toBeGreaterThanOrEqual(blind.start);
      expect(f.fixTime).toBeLessThan(blind.end);
    }
    expect(batch.sentAt).toBeGreaterThanOrEqual(blind.end);
    // The live fix that follows goes out right after the batch.
    expect(messages[messages.indexOf(batch) + 1]).toMatchObject({ kind: 'position', sentAt: batch.sentAt });
  });

  it('moves its odometer by the distance driven and not while parked', () => {
    const [car] = demoCars(1);
    const terminal = new SimTerminal(car, { intervalSeconds: 30, encoding: 'json', context });
    const day = WEEK.find((d) => planDay(car, d, context).segments.some((s) => s.kind === 'move'))!;
    const fixes = terminal
      .advance(zonedTime(day, '23:00').getTime(), zonedTime(day, '00:00').getTime())
      .flatMap((m) => m.fixes);
    const night = fixes.filter((f) => f.fixTime < zonedTime(day, '08:00').getTime());
    expect(new Set(night.map((f) => f.odometerKm)).size).toBe(1);
    expect(fixes.at(-1)!.odometerKm).toBeGreaterThan(fixes[0].odometerKm + 2);
  });
});

describe('the simulated clock', () => {
  it('runs speedup times faster and never ahead of the real clock', () => {
    let real = Date.parse('2026-11-25T12:00:00Z');
    const clock = simulatedClock(real - 3_600_000, 10, () => real);
    expect(clock.now()).toBe(real - 3_600_000);
    real += 60_000;
    expect(clock.now()).toBe(real - 60_000 - 3_600_000 + 600_000);
    real += 3_600_000;
    expect(clock.now()).toBe(real);
  });
});

describe('--start auto', () => {
  it.each([
    ['during working hours: now', '2026-11-25T10:00:00+08:00', '2026-11-25T10:00:00+08:00', false],
    ['on a working evening: that morning', '2026-11-25T21:00:00+08:00', '2026-11-25T08:30:00+08:00', true],
    ['before work: the day before', '2026-11-25T06:00:00+08:00', '2026-11-24T08:30:00+08:00', true],
    ['on a Sunday: the Friday', '2026-11-29T15:00:00+08:00', '2026-11-27T08:30:00+08:00', true],
  ])('%s', (_, now, start, fastForward) => {
    expect(autoStart(Date.parse(now), officialWorkingDay)).toEqual({ start: Date.parse(start), fastForward });
  });
});

describe('simulator arguments', () => {
  it('has the documented defaults', () => {
    expect(parseSimulatorArgs([])).toEqual({
      cars: 403,
      intervalSeconds: 30,
      speedup: 1,
      start: 'now',
      scenarios: [],
      scenarioCars: 2,
      mqttUrl: undefined,
      protocol: 'mqtt',
      jt808Host: undefined,
      jt808Port: undefined,
      help: false,
    });
  });

  it('reads every option', () => {
    expect(
      parseSimulatorArgs([
        '--cars',
        '12',
        '--interval',
        '5',
        '--speedup',
        '60',
        '--start',
        '2026-11-25T08:00:00+08:00',
        '--scenario',
        'off-hours,silent',
        '--scenario-cars',
        '3',
        '--mqtt-url',
        'mqtt://broker:1883',
        '--protocol',
        'jt808',
        '--jt808-host',
        'gw.example',
        '--jt808-port',
        '7808',
      ]),
    ).toEqual({
      cars: 12,
      intervalSeconds: 5,
      speedup: 60,
      start: new Date('2026-11-25T00:00:00Z'),
      scenarios: ['off-hours', 'silent'],
      scenarioCars: 3,
      mqttUrl: 'mqtt://broker:1883',
      protocol: 'jt808',
      jt808Host: 'gw.example',
      jt808Port: 7808,
      help: false,
    });
    expect(parseSimulatorArgs(['--scenario', 'all']).scenarios).toHaveLength(7);
    expect(() => parseSimulatorArgs(['--protocol', 'jt809'])).toThrow('--protocol must be mqtt or jt808, got "jt809"');
  });

  it.each([
    [['--cars', '404'], '--cars must be a whole number from 1 to 403, got "404"'],
    [['--interval', '0.5'], '--interval must be a whole number from 1 to 3600, got "0.5"'],
    [['--scenario', 'joyride'], '--scenario: unknown scenario "joyride"'],
    [['--start', 'tomorrow'], '--start must be now, auto or an ISO 8601 instant, got "tomorrow"'],
  ])('refuses %j naming the option', (argv, message) => {
    expect(() => parseSimulatorArgs(argv)).toThrow(ArgsError);
    expect(() => parseSimulatorArgs(argv)).toThrow(message);
  });
});

describe('pickScenarioCars', () => {
  it('gives each scenario its own cars, the same on every run, silent only once', () => {
    const cars = demoCars();
    const picked = pickScenarioCars(cars, ['off-hours', 'silent'], '2026-11-25', 2, 3);
    expect(picked).toEqual(pickScenarioCars(cars, ['off-hours', 'silent'], '2026-11-25', 2, 3));
    const offHours = picked.filter((s) => s.kind === 'off-hours');
    const silent = picked.filter((s) => s.kind === 'silent');
    expect(new Set(offHours.map((s) => s.terminalId)).size).toBe(2);
    expect(offHours.map((s) => s.day).sort()).toEqual([
      '2026-11-25',
      '2026-11-25',
      '2026-11-26',
      '2026-11-26',
      '2026-11-27',
      '2026-11-27',
    ]);
    expect(silent).toHaveLength(2);
    expect(silent.every((s) => !offHours.some((o) => o.terminalId === s.terminalId))).toBe(true);
  });
});
