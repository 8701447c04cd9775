import { booleanPointInPolygon, point } from '@turf/turf';
import { convertPosition } from './coordinates.js';
import { prepareFenceShape } from './fence-geometry.js';

const SQUARE = [
  [118.3, 33.9],
  [118.31, 33.9],
  [118.31, 33.91],
  [118.3, 33.91],
  [118.3, 33.9],
];

function errorsOf(input: Parameters<typeof prepareFenceShape>[0]): string[] {
  const result = prepareFenceShape(input);
  if (result.ok) throw new Error('expected the shape to be refused');
  return result.errors;
}

describe('fence shapes', () => {
  it('keeps a WGS-84 polygon as drawn', () => {
    const result = prepareFenceShape({
      geometry: { type: 'Polygon', coordinates: [SQUARE] },
      coordinateSystem: 'WGS84',
    });
    expect(result).toEqual({
      ok: true,
      shape: {
        shapeType: 'polygon',
        source: { type: 'Polygon', coordinates: [SQUARE] },
        wgs84: { type: 'Polygon', coordinates: [SQUARE] },
        radiusM: null,
        widthM: null,
      },
    });
  });

  it('converts a GCJ-02 polygon to WGS-84 and keeps the drawn one', () => {
    const result = prepareFenceShape({
      geometry: { type: 'Polygon', coordinates: [SQUARE] },
      coordinateSystem: 'GCJ02',
    });
    if (!result.ok) throw new Error(result.errors.join());
    expect(result.shape.source.coordinates).toEqual([SQUARE]);
    const corner = (result.shape.wgs84.coordinates as number[][][])[0][0];
    // Around Suqian GCJ-02 lies about 500 m east of WGS-84; shifting the stored corner back lands on the drawn one.
    expect(corner[0]).toBeLessThan(118.3 - 0.004);
    const back = convertPosition(corner, 'WGS84', 'GCJ02');
    expect(back[0]).toBeCloseTo(118.3, 7);
    expect(back[1]).toBeCloseTo(33.9, 7);
  });

  it('closes an unclosed ring', () => {
    const result = prepareFenceShape({
      geometry: { type: 'Polygon', coordinates: [SQUARE.slice(0, 4)] },
      coordinateSystem: 'WGS84',
    });
    if (!result.ok) throw new Error(result.errors.join());
    expect(result.shape.source.coordinates).toEqual([SQUARE]);
  });

  it.each([
    [
      'a self-intersecting bow tie',
      {
        type: 'Polygon',
        coordinates: [
          [
            [118.3, 33.9],
            [118.31, 33.91],
            [118.31, 33.9],
            [118.3, 33.91],
            [118.3, 33.9],
          ],
        ],
      },
      /polygon intersects itself at \[118\.305000, 33\.905000\]/,
    ],
    [
      'a ring of two distinct points',
      {
        type: 'Polygon',
        coordinates: [
          [
            [118.3, 33.9],
            [118.31, 33.9],
            [118.3, 33.9],
          ],
        ],
      },
      /polygon ring 0 has too few points.*got 2/,
    ],
    [
      'a longitude out of range',
      {
        type: 'Polygon',
        coordinates: [
          [
            [218.3, 33.9],
            [118.31, 33.9],
            [118.31, 33.91],
            [118.3, 33.9],
          ],
        ],
      },
      /polygon ring 0 position 0: longitude 218\.3 is out of range -180\.\.180/,
    ],
    [
      'a latitude out of range',
      {
        type: 'Polygon',
        coordinates: [
          [
            [118.3, 93.9],
            [118.31, 33.9],
            [118.31, 33.91],
            [118.3, 33.9],
          ],
        ],
      },
      /latitude 93\.9 is out of range -90\.\.90/,
    ],
    ['an empty multipolygon', { type: 'MultiPolygon', coordinates: [] }, /MultiPolygon needs at least one polygon/],
    ['a GeometryCollection', { type: 'GeometryCollection', geometries: [] }, /GeometryCollection is not supported/],
    ['no geometry', null, /geometry must be a GeoJSON/],
  ])('refuses %s and says what is wrong', (_, geometry, message) => {
    expect(errorsOf({ geometry, coordinateSystem: 'WGS84' }).join('\n')).toMatch(message);
  });

  it('names the polygon of a multipolygon that is wrong', () => {
    const errors = errorsOf({
      geometry: {
        type: 'MultiPolygon',
        coordinates: [
          [SQUARE],
          [
            [
              [1, 2],
              [1, 2],
              [1, 2],
              [1, 2],
            ],
          ],
        ],
      },
      coordinateSystem: 'WGS84',
    });
    expect(errors).toEqual([expect.stringContaining('polygon 1 ring 0 has too few points')]);
  });

  it('turns a circle into a polygon of that radius around the converted centre', () => {
    const result = prepareFenceShape({
      geometry: { type: 'Point', coordinates: [118.33, 33.95] },
      coordinateSystem: 'WGS84',
      radiusM: 80,
    });
    if (!result.ok) throw new Error(result.errors.join());
    expect(result.shape).toMatchObject({ shapeType: 'circle', radiusM: 80, widthM: null });
    const poly = { type: 'Feature' as const, properties: {}, geometry: result.shape.wgs84 };
    // 70 m east is inside, 90 m east is outside (1° of longitude ≈ 92.4 km at 33.95° N).
    expect(booleanPointInPolygon(point([118.33 + 70 / 92_400, 33.95]), poly)).toBe(true);
    expect(booleanPointInPolygon(point([118.33 + 90 / 92_400, 33.95]), poly)).toBe(false);
  });

  it('turns a corridor into a polygon of that full width around the line', () => {
    const result = prepareFenceShape({
      geometry: {
        type: 'LineString',
        coordinates: [
          [118.3, 33.95],
          [118.32, 33.95],
        ],
      },
      coordinateSystem: 'WGS84',
      widthM: 100,
    });
    if (!result.ok) throw new Error(result.errors.join());
    const poly = { type: 'Feature' as const, properties: {}, geometry: result.shape.wgs84 };
    // 1° of latitude ≈ 110.9 km: 40 m north of the line is inside a 100 m wide corridor, 60 m is not.
    expect(booleanPointInPolygon(point([118.31, 33.95 + 40 / 110_900]), poly)).toBe(true);
    expect(booleanPointInPolygon(point([118.31, 33.95 + 60 / 110_900]), poly)).toBe(false);
  });

  it.each([
    ['a circle without radius', { type: 'Point', coordinates: [118.3, 33.9] }, {}, /radiusM is required/],
    [
      'a circle with radius 0',
      { type: 'Point', coordinates: [118.3, 33.9] },
      { radiusM: 0 },
      /radiusM must be a number greater than 0/,
    ],
    [
      'a corridor with negative width',
      {
        type: 'LineString',
        coordinates: [
          [118.3, 33.9],
          [118.4, 33.9],
        ],
      },
      { widthM: -5 },
      /widthM must be a number greater than 0/,
    ],
    [
      'a corridor of one point',
      {
        type: 'LineString',
        coordinates: [
          [118.3, 33.9],
          [118.3, 33.9],
        ],
      },
      { widthM: 5 },
      /at least 2 distinct positions/,
    ],
    [
      'a polygon with a radius',
      { type: 'Polygon', coordinates: [SQUARE] },
      { radiusM: 5 },
      /radiusM applies only to a circle/,
    ],
  ])('refuses %s', (_, geometry, extra, message) => {
    expect(errorsOf({ geometry, coordinateSystem: 'WGS84', ...extra }).join('\n')).toMatch(message);
  });
});
