import { initialVehicleState, type VehicleState } from '#app/rules';
import { packRecent, packState, unpackRecent, unpackState } from './state-codec.js';

const T0 = Date.parse('2026-11-19T12:00:00Z');

describe('the packed forms of a car’s saved state', () => {
  it.each([
    ['empty', new Map<number, number>()],
    ['one position received in time', new Map([[T0, T0 + 35]])],
    ['a position received before its fix time (a terminal clock ahead)', new Map([[T0, T0 - 2_000]])],
    ['a blind-area upload days late', new Map([[T0, T0 + 3 * 86_400_000]])],
    [
      'the epoch and now',
      new Map([
        [0, 5],
        [T0, T0 + 1],
      ]),
    ],
  ])('gives back the recent-positions buffer exactly: %s', (_name, recent) => {
    expect(unpackRecent(packRecent(recent))).toEqual(recent);
  });

  it('packs a minute of positions every 200 ms into four bytes each, not sixteen', () => {
    const recent = new Map<number, number>();
    for (let i = 0; i < 300; i++) recent.set(T0 + i * 200 + (i % 3), T0 + i * 200 + 40 + (i % 7));
    const packed = packRecent(recent);
    expect(unpackRecent(packed)).toEqual(recent);
    expect(packed.length).toBeLessThanOrEqual(300 * 4 + 8);
  });

  it('packs a blind-area upload of fixes weeks old, received at once, into three bytes each', () => {
    const recent = new Map<number, number>();
    for (let i = 0; i < 1_000; i++) recent.set(T0 + i * 2_000, T0 + 20 * 86_400_000);
    const packed = packRecent(recent);
    expect(unpackRecent(packed)).toEqual(recent);
    expect(packed.length).toBeLessThanOrEqual(1_000 * 3 + 8);
  });

  it('gives back the rules’ state exactly, and smaller than its JSON', () => {
    const state: VehicleState = {
      ...initialVehicleState(),
      lastT: T0,
      previous: {
        terminalId: 'T1',
        t: T0,
        lat: 33.95571944327318,
        lon: 118.28302806340852,
        speedKmh: 30,
        valid: true,
        ignition: true,
        alarmFlags: 0,
        odometerKm: null,
      },
      lastValid: { t: T0, lat: 33.95571944327318, lon: 118.28302806340852 },
      rules: { off_hours: { episode: { start: T0 - 60_000, positions: 12, raised: true } } },
      evaluated: 1234,
    };
    const packed = packState(state);
    expect(unpackState(packed)).toEqual(state);
    expect(packed.length).toBeLessThan(JSON.stringify(state).length);
  });

  it('refuses a truncated buffer instead of inventing a position', () => {
    const packed = packRecent(new Map([[T0, T0 + 100_000]]));
    expect(() => unpackRecent(packed.subarray(0, packed.length - 1))).toThrow(/truncated/);
  });
});
