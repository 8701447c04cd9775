import { colourOf, displayer, type CarSignal } from '../../apps/api/web/src/display.js';

// A point in 宿豫区; Amap's GCJ-02 puts it roughly 500 m from its WGS-84 place.
const SUYU = { lat: 33.9466, lon: 118.3301 };
const metres = ([lat1, lon1]: [number, number], [lat2, lon2]: [number, number]) =>
  Math.hypot((lat2 - lat1) * 111_320, (lon2 - lon1) * 111_320 * Math.cos((lat1 * Math.PI) / 180));

describe('where the map draws a stored WGS-84 position', () => {
  it('shifts it to GCJ-02 under Amap tiles, by the few hundred metres that put a car on its road', () => {
    const shown = displayer('gcj02', true)(SUYU.lat, SUYU.lon);
    const shift = metres([SUYU.lat, SUYU.lon], shown);
    expect(shift).toBeGreaterThan(300);
    expect(shift).toBeLessThan(800);
    expect(shown[1]).toBeGreaterThan(SUYU.lon); // GCJ-02 lies east of WGS-84 here
  });

  it.each([
    ['Tianditu (CGCS2000) tiles', 'cgcs2000', true],
    ['WGS-84 tiles', 'wgs84', true],
    ['the offline plain background, even with the GCJ-02 setting', 'gcj02', false],
  ] as const)('leaves it where it is on %s', (_, system, tiles) => {
    expect(displayer(system, tiles)(SUYU.lat, SUYU.lon)).toEqual([SUYU.lat, SUYU.lon]);
  });
});

describe('the colour of a car on the live map', () => {
  const heard = (speedKmh: number | null, alarmFlags: number | null = 0): CarSignal => ({
    state: 'online',
    speedKmh,
    alarmFlags,
  });

  it.each([
    ['heard and driving at 40 km/h', 'moving', heard(40), false],
    ['heard and standing (GNSS drift of 3 km/h)', 'parked', heard(3), false],
    ['heard, no speed reported', 'parked', heard(null), false],
    ['silent past the limit', 'offline', { state: 'offline', speedKmh: 40, alarmFlags: 0 }, false],
    ['never reported', 'offline', { state: 'never_reported', speedKmh: null, alarmFlags: null }, false],
    ['driving with an antenna-cut alarm bit', 'alarm', heard(40, 32), false],
    ['parked with a finding today', 'alarm', heard(0), true],
    ['offline with a finding today', 'alarm', { state: 'offline', speedKmh: null, alarmFlags: null }, true],
  ] as const)('%s → %s', (_, colour, car, flagged) => {
    expect(colourOf(car, flagged)).toBe(colour);
  });
});
