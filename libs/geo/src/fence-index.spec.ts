import { booleanPointInPolygon, distance, point } from '@turf/turf';
import { DEMO_UNITS } from '#app/demo-fleet';
import type { MultiPolygon, Polygon } from 'geojson';
import { mapPositions, toWgs84 } from './coordinates.js';
import { DEMO_POINTS, DEMO_VENUES, SUCHENG_ADCODE, SUYU_ADCODE, districtFeature } from './demo-fences.js';
import { prepareFenceShape } from './fence-geometry.js';
import { FenceIndex } from './fence-index.js';
import type { Fence } from './fence.types.js';

function fence(id: string, geometry: Polygon | MultiPolygon, kind: Fence['kind'] = 'forbidden'): Fence {
  return { id, name: id, kind, speedLimitKmh: null, vehicleIds: [], unitIds: [], geometry };
}

function wgsDistrict(adcode: number): MultiPolygon {
  const g = districtFeature(adcode).geometry;
  return { type: 'MultiPolygon', coordinates: mapPositions(g.coordinates, (p) => toWgs84(p, 'GCJ02')) };
}

/** A square with a square hole, and a multipolygon of two squares. */
const WITH_HOLE: Polygon = {
  type: 'Polygon',
  coordinates: [
    [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
    ],
    [
      [4, 4],
      [6, 4],
      [6, 6],
      [4, 6],
      [4, 4],
    ],
  ],
};
const TWO_SQUARES: MultiPolygon = {
  type: 'MultiPolygon',
  coordinates: [
    [
      [
        [20, 0],
        [22, 0],
        [22, 2],
        [20, 2],
        [20, 0],
      ],
    ],
    [
      [
        [21, 1],
        [23, 1],
        [23, 3],
        [21, 3],
        [21, 1],
      ],
    ],
  ],
};

describe('fence index', () => {
  const suyu = fence('suyu', wgsDistrict(SUYU_ADCODE), 'jurisdiction');
  const sucheng = fence('sucheng', wgsDistrict(SUCHENG_ADCODE), 'jurisdiction');

  it('puts a point in Suyu inside the jurisdiction and a point in Sucheng outside it', () => {
    const index = new FenceIndex([suyu]);
    expect(index.containing(DEMO_POINTS.insideJurisdiction.lon, DEMO_POINTS.insideJurisdiction.lat)).toEqual([suyu]);
    expect(index.containing(DEMO_POINTS.inSucheng.lon, DEMO_POINTS.inSucheng.lat)).toEqual([]);
  });

  it('respects holes', () => {
    const index = new FenceIndex([fence('holed', WITH_HOLE)]);
    expect(index.containing(2, 2).map((f) => f.id)).toEqual(['holed']);
    expect(index.containing(5, 5)).toEqual([]);
    expect(index.containing(11, 5)).toEqual([]);
  });

  it('reports a fence once when the point lies in two of its polygons', () => {
    const index = new FenceIndex([fence('two', TWO_SQUARES)]);
    expect(index.containing(21.5, 1.5).map((f) => f.id)).toEqual(['two']);
    expect(index.containing(22.5, 2.5).map((f) => f.id)).toEqual(['two']);
    expect(index.containing(20.5, 2.5)).toEqual([]);
  });

  it('finds the demo venues at their centres', () => {
    const venues = DEMO_VENUES.map((v) => {
      const r = prepareFenceShape({
        geometry: { type: 'Point', coordinates: [v.lon, v.lat] },
        coordinateSystem: 'WGS84',
        radiusM: v.radiusM,
      });
      if (!r.ok) throw new Error(r.errors.join());
      return fence(v.key, r.shape.wgs84, v.kind);
    });
    const index = new FenceIndex([suyu, ...venues]);
    for (const v of DEMO_VENUES) {
      expect(index.containing(v.lon, v.lat).map((f) => f.id)).toEqual(['suyu', v.key]);
    }
    const inside = DEMO_POINTS.insideJurisdiction;
    expect(index.containing(inside.lon, inside.lat).map((f) => f.id)).toEqual(['suyu']);
  });

  it('agrees with turf on 20,000 pseudo-random points around both districts', () => {
    const fences = [suyu, sucheng, fence('holed', WITH_HOLE)];
    const index = new FenceIndex(fences);
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    let insideCount = 0;
    for (let i = 0; i < 20_000; i++) {
      const lon = 117.95 + random() * 0.7;
      const lat = 33.5 + random() * 0.7;
      const expected = fences.filter((f) => booleanPointInPolygon(point([lon, lat]), f.geometry)).map((f) => f.id);
      const actual = index.containing(lon, lat).map((f) => f.id);
      expect(actual).toEqual(expected);
      insideCount += actual.length;
    }
    expect(insideCount).toBeGreaterThan(5_000);
  });

  it('agrees with turf where many fences crowd one spot (the R-tree path)', () => {
    const crowd: Fence[] = [suyu];
    for (let i = 0; i < 300; i++) {
      const r = prepareFenceShape({
        geometry: { type: 'Point', coordinates: [118.35 + (i % 17) * 0.0003, 33.97 + (i % 13) * 0.0003] },
        coordinateSystem: 'WGS84',
        radiusM: 50 + (i % 7) * 40,
      });
      if (!r.ok) throw new Error(r.errors.join());
      crowd.push(fence(`c${i}`, r.shape.wgs84));
    }
    const index = new FenceIndex(crowd);
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    let hits = 0;
    for (let i = 0; i < 2_000; i++) {
      const lon = 118.345 + random() * 0.015;
      const lat = 33.965 + random() * 0.015;
      const expected = crowd.filter((f) => booleanPointInPolygon(point([lon, lat]), f.geometry)).map((f) => f.id);
      const actual = index.containing(lon, lat).map((f) => f.id);
      expect(actual).toEqual(expected);
      hits += actual.length;
    }
    expect(hits).toBeGreaterThan(20_000);
  });

  it('looks fences up by id and lists them all', () => {
    const index = new FenceIndex([suyu, sucheng]);
    expect(index.byId('sucheng')).toBe(sucheng);
    expect(index.byId('nope')).toBeUndefined();
    expect(index.all()).toEqual([suyu, sucheng]);
    expect(new FenceIndex([]).containing(118.3, 33.9)).toEqual([]);
  });
});

describe('demo venues', () => {
  it('keep at least 300 m between each venue edge and every demo unit home lot', () => {
    for (const unit of DEMO_UNITS) {
      for (const v of DEMO_VENUES) {
        const metres = distance(point([v.lon, v.lat]), point([unit.homeLot.lon, unit.homeLot.lat]), {
          units: 'meters',
        });
        expect({ unit: unit.key, venue: v.key, clear: metres - v.radiusM >= 300 }).toEqual({
          unit: unit.key,
          venue: v.key,
          clear: true,
        });
      }
    }
  });
});
