import * as gcoordNs from 'gcoord';
import type { Position } from 'geojson';
import type { CoordinateSystem } from './fence.types.js';

/** The part of gcoord used here (its enum values are plain strings). */
interface Gcoord {
  transform(input: [number, number], crsFrom: string, crsTo: string): [number, number];
  WGS84: string;
  GCJ02: string;
  BD09: string;
}

// gcoord is CommonJS without __esModule while its typings declare an ES default export: at run time the
// module object is the namespace's `default` (nodenext) or the namespace itself (bundlers).
const gcoord = ((gcoordNs as unknown as { default?: Gcoord }).default ?? gcoordNs) as unknown as Gcoord;

const CRS = { WGS84: gcoord.WGS84, GCJ02: gcoord.GCJ02, BD09: gcoord.BD09 } as const;

/**
 * Converts one `[lon, lat]` position between WGS-84, GCJ-02 (Amap, Tencent) and BD-09 (Baidu).
 * GCJ-02 → WGS-84 is gcoord's iterative inverse (centimetre level); outside China the offsets are zero.
 */
export function convertPosition(position: Position, from: CoordinateSystem, to: CoordinateSystem): [number, number] {
  const lonLat: [number, number] = [position[0], position[1]];
  if (from === to) return lonLat;
  const out = gcoord.transform(lonLat, CRS[from], CRS[to]);
  return [out[0], out[1]];
}

export const toWgs84 = (position: Position, from: CoordinateSystem): [number, number] =>
  convertPosition(position, from, 'WGS84');

/** Maps every position of nested coordinate arrays; never mutates its input. */
export function mapPositions<T>(coordinates: T, fn: (p: Position) => Position): T {
  if (Array.isArray(coordinates) && typeof coordinates[0] === 'number') return fn(coordinates as Position) as T;
  return (coordinates as unknown[]).map((c) => mapPositions(c, fn)) as T;
}
