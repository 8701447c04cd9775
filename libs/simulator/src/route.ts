import { between, type Random } from './random.js';
import { bearingDeg, distanceM, interpolate, offsetM, type LatLon } from './geometry.js';

/** Pieces of a road between bends; short enough that a fix every 30 s lands on a believable line. */
const PIECE_M = 350;
const WOBBLE_M = 12;

/**
 * A road-like polyline from `a` to `b`: town roads run roughly along the compass, so the route goes in two
 * or three straight stretches with bends between them, each stretch cut into short pieces that wobble a few
 * metres as real roads do.
 */
export function roadRoute(a: LatLon, b: LatLon, random: Random): LatLon[] {
  const pattern = random();
  let corners: LatLon[];
  if (pattern < 0.35) corners = [a, { lat: a.lat, lon: b.lon }, b];
  else if (pattern < 0.7) corners = [a, { lat: b.lat, lon: a.lon }, b];
  else {
    const f = between(random, 0.3, 0.7);
    const midLat = a.lat + (b.lat - a.lat) * f;
    corners = [a, { lat: midLat, lon: a.lon }, { lat: midLat, lon: b.lon }, b];
  }
  const route: LatLon[] = [a];
  for (let i = 1; i < corners.length; i++) {
    const from = corners[i - 1];
    const to = corners[i];
    const length = distanceM(from, to);
    if (length < 1) continue;
    const pieces = Math.max(1, Math.ceil(length / PIECE_M));
    const heading = (bearingDeg(from, to) * Math.PI) / 180;
    for (let k = 1; k <= pieces; k++) {
      const p = interpolate(from, to, k / pieces);
      if (k === pieces) {
        route.push(p);
        continue;
      }
      // Sideways to the direction of travel.
      const side = between(random, -WOBBLE_M, WOBBLE_M);
      route.push(offsetM(p, -Math.sin(heading) * side, Math.cos(heading) * side));
    }
  }
  return route;
}

export function routeLengthM(route: readonly LatLon[]): number {
  let total = 0;
  for (let i = 1; i < route.length; i++) total += distanceM(route[i - 1], route[i]);
  return total;
}

/** Points every `stepM` metres along the route, for containment checks. */
export function alongRoute(route: readonly LatLon[], stepM = 100): LatLon[] {
  const out: LatLon[] = [route[0]];
  for (let i = 1; i < route.length; i++) {
    const length = distanceM(route[i - 1], route[i]);
    const steps = Math.max(1, Math.ceil(length / stepM));
    for (let k = 1; k <= steps; k++) out.push(interpolate(route[i - 1], route[i], k / steps));
  }
  return out;
}
