import { booleanPointInPolygon, buffer, point } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { DEMO_VENUES, districtFeature, mapPositions, SUYU_ADCODE, toWgs84, type DemoVenue } from '#app/geo';
import { distanceM, type LatLon } from './geometry.js';

/**
 * Where normal driving may go: inside the district with a margin from its boundary; destinations also keep
 * clear of the places a visit to which is itself a finding (forbidden venues, lunchtime restaurants).
 */
export interface DrivingArea {
  /** Inside the jurisdiction, whatever the margin. */
  inside(p: LatLon): boolean;
  /** Inside and at least the margin away from the boundary. */
  roadAllowed(p: LatLon): boolean;
  /** Somewhere a car may stop for a while in a normal day. */
  stopAllowed(p: LatLon): boolean;
}

let cached: { inner: Feature<Polygon | MultiPolygon>; outer: Feature<Polygon | MultiPolygon> } | undefined;

/** 宿豫区 in WGS-84 (the boundary file is GCJ-02), and the same shrunk by `marginM` for normal trips. */
function suyu(marginM: number) {
  if (!cached) {
    const gcj = districtFeature(SUYU_ADCODE);
    const outer: Feature<MultiPolygon> = {
      type: 'Feature',
      properties: {},
      geometry: {
        type: 'MultiPolygon',
        coordinates: mapPositions(gcj.geometry.coordinates, (p) => toWgs84(p, 'GCJ02')),
      },
    };
    const inner = buffer(outer, -marginM / 1000, { units: 'kilometers' }) as
      Feature<Polygon | MultiPolygon> | undefined;
    if (!inner) throw new Error('the district is too small for the driving margin');
    cached = { inner, outer };
  }
  return cached;
}

export const BOUNDARY_MARGIN_M = 500;
/** Normal trips keep this far beyond a venue's own radius. */
export const VENUE_CLEARANCE_M = 300;

export function demoDrivingArea(venues: readonly DemoVenue[] = DEMO_VENUES): DrivingArea {
  const { inner, outer } = suyu(BOUNDARY_MARGIN_M);
  const roadAllowed = (p: LatLon) => booleanPointInPolygon(point([p.lon, p.lat]), inner);
  return {
    inside: (p) => booleanPointInPolygon(point([p.lon, p.lat]), outer),
    roadAllowed,
    stopAllowed: (p) => roadAllowed(p) && venues.every((v) => distanceM(p, v) > v.radiusM + VENUE_CLEARANCE_M),
  };
}
