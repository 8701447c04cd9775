/** A point in WGS-84 degrees, as terminals report it. */
export interface LatLon {
  lat: number;
  lon: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b in whole degrees, 0 = north, 0…359. */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x =
    Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) -
    Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return Math.round((deg(Math.atan2(y, x)) + 360) % 360) % 360;
}

/** The point `metres` away from `from` towards `bearing` (flat-earth: fine for the few km of a town). */
export function offsetM(from: LatLon, northM: number, eastM: number): LatLon {
  return {
    lat: from.lat + deg(northM / EARTH_RADIUS_M),
    lon: from.lon + deg(eastM / (EARTH_RADIUS_M * Math.cos(rad(from.lat)))),
  };
}

export function interpolate(a: LatLon, b: LatLon, f: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
}

/** Rounds to 6 decimals (about 0.1 m), what a terminal's protobuf e6 fields can carry. */
export function roundE6(p: LatLon): LatLon {
  return { lat: Math.round(p.lat * 1e6) / 1e6, lon: Math.round(p.lon * 1e6) / 1e6 };
}
