import type { MultiPolygon, Polygon } from 'geojson';

export const FENCE_KINDS = ['jurisdiction', 'forbidden', 'restaurant', 'parking', 'speed_zone'] as const;
export type FenceKind = (typeof FENCE_KINDS)[number];

export const COORDINATE_SYSTEMS = ['WGS84', 'GCJ02', 'BD09'] as const;
export type CoordinateSystem = (typeof COORDINATE_SYSTEMS)[number];

/**
 * A fence as the detector sees it: always WGS-84, circles and corridors already turned into polygons
 * when the fence was saved.
 */
export interface Fence {
  id: string;
  name: string;
  kind: FenceKind;
  /** Only for `speed_zone`. */
  speedLimitKmh: number | null;
  /** For `parking`: the cars and units whose designated lot this is. */
  vehicleIds: string[];
  unitIds: string[];
  geometry: Polygon | MultiPolygon;
}

/** Answers "which fences contain this point?" quickly for many fences. */
export interface FenceLookup {
  containing(lon: number, lat: number): Fence[];
  byId(id: string): Fence | undefined;
  all(): readonly Fence[];
}
