import { pathToFileURL } from 'node:url';
import { circle } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { FenceIndex, SUYU_ADCODE, districtFeature, mapPositions, toWgs84, type Fence, type FenceKind } from '#app/geo';

export interface FencePointsFigures {
  fences: number;
  polygonVertices: number;
  points: number;
  /** Wall-clock time of the measured loop. */
  seconds: number;
  checksPerSecond: number;
  /** CPU time the process spent in the loop: the figure that holds on a busy machine. */
  cpuSeconds: number;
  checksPerCpuSecond: number;
  /** Mean number of fences containing a checked point. */
  meanHits: number;
}

/** Deterministic pseudo-random numbers so each run measures the same layout. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
}

/** The district's bounding box, over which the small fences and the checked points are spread. */
export const DISTRICT_BOX = { minLon: 117.99, minLat: 33.8, maxLon: 118.6, maxLat: 34.17 };

/** The real 宿豫区 boundary (drawn in GCJ-02) as a WGS-84 jurisdiction fence. */
export function jurisdictionFence(): Fence & { geometry: MultiPolygon } {
  const district = districtFeature(SUYU_ADCODE).geometry;
  return {
    id: 'jurisdiction',
    name: '宿豫区',
    kind: 'jurisdiction',
    speedLimitKmh: null,
    vehicleIds: [],
    unitIds: [],
    geometry: { type: 'MultiPolygon', coordinates: mapPositions(district.coordinates, (p) => toWgs84(p, 'GCJ02')) },
  };
}

/**
 * Point checks per second on one core: the real 宿豫区 boundary (272 points) plus `fenceCount - 1` small
 * fences (64-vertex circles of 50–300 m and 5–12-gon venues) scattered over the district's bounding box,
 * checked with points spread uniformly over the same box — most points fall inside the district polygon and
 * near several small fences' boxes, which is the detector's everyday case.
 */
export function benchFencePoints(fenceCount = 10_000, pointCount = 2_000_000): FencePointsFigures {
  const random = lcg(2026);
  const jurisdiction = jurisdictionFence();
  const { minLon, minLat, maxLon, maxLat } = DISTRICT_BOX;
  const kinds: FenceKind[] = ['forbidden', 'restaurant', 'parking', 'speed_zone'];
  const fences: Fence[] = [jurisdiction];
  let vertices = jurisdiction.geometry.coordinates[0][0].length;
  for (let i = 1; i < fenceCount; i++) {
    const lon = minLon + random() * (maxLon - minLon);
    const lat = minLat + random() * (maxLat - minLat);
    let geometry: Polygon;
    if (i % 2 === 0) {
      geometry = circle([lon, lat], 0.05 + random() * 0.25, { steps: 64, units: 'kilometers' }).geometry;
    } else {
      const sides = 5 + Math.floor(random() * 8);
      const r = 0.0005 + random() * 0.002;
      const ring = Array.from({ length: sides }, (_, k) => {
        const a = (2 * Math.PI * k) / sides;
        return [lon + r * Math.cos(a) * 1.2, lat + r * Math.sin(a)];
      });
      geometry = { type: 'Polygon', coordinates: [[...ring, ring[0]]] };
    }
    vertices += geometry.coordinates[0].length;
    const kind = kinds[i % kinds.length];
    fences.push({
      id: `f${i}`,
      name: `fence ${i}`,
      kind,
      speedLimitKmh: kind === 'speed_zone' ? 60 : null,
      vehicleIds: [],
      unitIds: [],
      geometry,
    });
  }
  const index = new FenceIndex(fences);
  const coords = new Float64Array(pointCount * 2);
  for (let i = 0; i < pointCount; i++) {
    coords[i * 2] = minLon + random() * (maxLon - minLon);
    coords[i * 2 + 1] = minLat + random() * (maxLat - minLat);
  }
  // Warm-up so the measurement sees optimised code.
  for (let i = 0; i < Math.min(pointCount, 200_000); i++) index.containing(coords[i * 2], coords[i * 2 + 1]);
  let hits = 0;
  const cpuStart = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < pointCount; i++) hits += index.containing(coords[i * 2], coords[i * 2 + 1]).length;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    fences: fences.length,
    polygonVertices: vertices,
    points: pointCount,
    seconds: Math.round(seconds * 1000) / 1000,
    checksPerSecond: Math.round(pointCount / seconds),
    cpuSeconds: Math.round(cpuSeconds * 1000) / 1000,
    checksPerCpuSecond: Math.round(pointCount / cpuSeconds),
    meanHits: Math.round((hits / pointCount) * 1000) / 1000,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = benchFencePoints();
  console.log(`fence point checks: ${JSON.stringify(figures)}`);
}
