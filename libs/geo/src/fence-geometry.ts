import { buffer, circle, kinks, lineString, polygon as turfPolygon } from '@turf/turf';
import type { Geometry, LineString, MultiPolygon, Point, Polygon, Position } from 'geojson';
import { mapPositions, toWgs84 } from './coordinates.js';
import type { CoordinateSystem } from './fence.types.js';

export const SHAPE_TYPES = ['polygon', 'multipolygon', 'circle', 'corridor'] as const;
export type ShapeType = (typeof SHAPE_TYPES)[number];

/** Largest circle radius or corridor width accepted, in metres: anything larger is a typing error. */
export const MAX_SHAPE_METRES = 200_000;
/** Vertices of the polygon a circle becomes (error at the edge under 0.2 % of the radius). */
export const CIRCLE_STEPS = 64;

/** A fence shape as drawn: a GeoJSON polygon or multipolygon, a point with a radius, or a line with a width. */
export interface DrawnShape {
  geometry: unknown;
  coordinateSystem: CoordinateSystem;
  radiusM?: number | null;
  widthM?: number | null;
}

export interface PreparedShape {
  shapeType: ShapeType;
  /** The geometry as drawn (rings closed), in the coordinate system it was drawn in. */
  source: Polygon | MultiPolygon | Point | LineString;
  /** What the detector matches positions against. */
  wgs84: Polygon | MultiPolygon;
  radiusM: number | null;
  widthM: number | null;
}

export type PrepareResult = { ok: true; shape: PreparedShape } | { ok: false; errors: string[] };

/**
 * Validates a drawn fence shape and turns it into a WGS-84 polygon or multipolygon, once, on the way in.
 * Rings that are not closed are closed by appending their first position (web map drawing tools often
 * leave them open); everything else that is wrong is refused with a message saying what and where.
 */
export function prepareFenceShape(input: DrawnShape): PrepareResult {
  const errors: string[] = [];
  const g = input.geometry as Partial<Geometry> | null;
  if (!g || typeof g !== 'object' || typeof g.type !== 'string') {
    return { ok: false, errors: ['geometry must be a GeoJSON Polygon, MultiPolygon, Point or LineString object'] };
  }
  const coordinates = (g as { coordinates?: unknown }).coordinates;
  switch (g.type) {
    case 'Polygon': {
      noExtra(input, errors, 'a Polygon');
      const rings = polygonRings(coordinates, 'polygon', errors);
      if (!rings) return { ok: false, errors };
      const source: Polygon = { type: 'Polygon', coordinates: rings };
      const wgs84: Polygon = { type: 'Polygon', coordinates: toWgs(rings, input.coordinateSystem) };
      selfIntersections(rings, 'polygon', errors);
      return done(errors, { shapeType: 'polygon', source, wgs84, radiusM: null, widthM: null });
    }
    case 'MultiPolygon': {
      noExtra(input, errors, 'a MultiPolygon');
      if (!Array.isArray(coordinates) || coordinates.length === 0) {
        return { ok: false, errors: ['MultiPolygon needs at least one polygon'] };
      }
      const polygons = coordinates.map((p, i) => polygonRings(p, `polygon ${i}`, errors));
      if (errors.length > 0) return { ok: false, errors };
      const rings = polygons as Position[][][];
      const source: MultiPolygon = { type: 'MultiPolygon', coordinates: rings };
      const wgs84: MultiPolygon = { type: 'MultiPolygon', coordinates: toWgs(rings, input.coordinateSystem) };
      rings.forEach((p, i) => selfIntersections(p, `polygon ${i}`, errors));
      return done(errors, { shapeType: 'multipolygon', source, wgs84, radiusM: null, widthM: null });
    }
    case 'Point': {
      const centre = position(coordinates, 'circle centre', errors);
      const radiusM = metres(input.radiusM, 'radiusM', 'a circle (Point geometry)', errors);
      if (input.widthM != null) errors.push('widthM applies only to a corridor (LineString geometry)');
      if (!centre || radiusM === null || errors.length > 0) return { ok: false, errors };
      const wgs = toWgs84(centre, input.coordinateSystem);
      const wgs84 = circle(wgs, radiusM / 1000, { steps: CIRCLE_STEPS, units: 'kilometers' }).geometry;
      return done(errors, {
        shapeType: 'circle',
        source: { type: 'Point', coordinates: centre },
        wgs84,
        radiusM,
        widthM: null,
      });
    }
    case 'LineString': {
      const line = positions(coordinates, 'corridor line', errors);
      const widthM = metres(input.widthM, 'widthM', 'a corridor (LineString geometry)', errors);
      if (input.radiusM != null) errors.push('radiusM applies only to a circle (Point geometry)');
      if (line && distinctCount(line) < 2) errors.push('corridor line needs at least 2 distinct positions');
      if (!line || widthM === null || errors.length > 0) return { ok: false, errors };
      const wgsLine = line.map((p) => toWgs84(p, input.coordinateSystem));
      const buffered = buffer(lineString(wgsLine), widthM / 2, { units: 'meters' });
      if (!buffered || (buffered.geometry.type !== 'Polygon' && buffered.geometry.type !== 'MultiPolygon')) {
        return { ok: false, errors: ['corridor could not be turned into a polygon'] };
      }
      return done(errors, {
        shapeType: 'corridor',
        source: { type: 'LineString', coordinates: line },
        wgs84: buffered.geometry,
        radiusM: null,
        widthM,
      });
    }
    default:
      return {
        ok: false,
        errors: [`geometry type ${String(g.type)} is not supported: use Polygon, MultiPolygon, Point or LineString`],
      };
  }
}

function done(errors: string[], shape: PreparedShape): PrepareResult {
  return errors.length > 0 ? { ok: false, errors } : { ok: true, shape };
}

function noExtra(input: DrawnShape, errors: string[], what: string): void {
  if (input.radiusM != null) errors.push(`radiusM applies only to a circle (Point geometry), not to ${what}`);
  if (input.widthM != null) errors.push(`widthM applies only to a corridor (LineString geometry), not to ${what}`);
}

function toWgs<T>(coordinates: T, from: CoordinateSystem): T {
  return mapPositions(coordinates, (p) => toWgs84(p, from));
}

function metres(value: number | null | undefined, field: string, what: string, errors: string[]): number | null {
  if (value == null) {
    errors.push(`${field} is required for ${what}`);
    return null;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    errors.push(`${field} must be a number greater than 0 (metres)`);
    return null;
  }
  if (value > MAX_SHAPE_METRES) {
    errors.push(`${field} must be at most ${MAX_SHAPE_METRES} metres`);
    return null;
  }
  return value;
}

function position(value: unknown, where: string, errors: string[]): Position | null {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3 || !value.every((n) => typeof n === 'number')) {
    errors.push(`${where}: a position must be [longitude, latitude]`);
    return null;
  }
  const [lon, lat] = value as number[];
  if (!Number.isFinite(lon) || lon < -180 || lon > 180) {
    errors.push(`${where}: longitude ${lon} is out of range -180..180`);
    return null;
  }
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) {
    errors.push(`${where}: latitude ${lat} is out of range -90..90`);
    return null;
  }
  return [lon, lat];
}

function positions(value: unknown, where: string, errors: string[]): Position[] | null {
  if (!Array.isArray(value)) {
    errors.push(`${where} must be an array of positions`);
    return null;
  }
  const out: Position[] = [];
  const before = errors.length;
  value.forEach((p, i) => {
    const pos = position(p, `${where} position ${i}`, errors);
    if (pos) out.push(pos);
  });
  return errors.length > before ? null : out;
}

function distinctCount(ring: Position[]): number {
  return new Set(ring.map((p) => `${p[0]},${p[1]}`)).size;
}

/** Validates and closes the rings of one polygon; null (with errors) when it cannot be used. */
function polygonRings(value: unknown, where: string, errors: string[]): Position[][] | null {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push(`${where} needs at least one ring (an array of positions)`);
    return null;
  }
  const before = errors.length;
  const rings: Position[][] = [];
  value.forEach((ringValue, r) => {
    const label = `${where} ring ${r}`;
    const ring = positions(ringValue, label, errors);
    if (!ring) return;
    const first = ring[0];
    const last = ring[ring.length - 1];
    if (ring.length > 0 && (first[0] !== last[0] || first[1] !== last[1])) ring.push([first[0], first[1]]);
    if (distinctCount(ring) < 3 || ring.length < 4) {
      errors.push(
        `${label} has too few points: a ring needs at least 3 distinct positions (4 including the closing one), got ${distinctCount(ring)}`,
      );
      return;
    }
    rings.push(ring);
  });
  return errors.length > before ? null : rings;
}

function selfIntersections(rings: Position[][], where: string, errors: string[]): void {
  const found = kinks(turfPolygon(rings)).features;
  if (found.length === 0) return;
  const [lon, lat] = found[0].geometry.coordinates;
  errors.push(
    `${where} intersects itself at [${lon.toFixed(6)}, ${lat.toFixed(6)}]` +
      (found.length > 1 ? ` and ${found.length - 1} more place(s)` : ''),
  );
}
