import type { MultiPolygon, Polygon } from 'geojson';
import { FenceIndex } from './fence-index.js';
import type { Fence, FenceKind } from './fence.types.js';
import { selectRows, type SqlRunner } from './sql.js';

interface FenceRow {
  id: string;
  name: string;
  kind: FenceKind;
  speed_limit_kmh: number | null;
  vehicle_ids: string[] | null;
  unit_ids: string[] | null;
  geometry: Polygon | MultiPolygon;
}

export function fenceFromRow(row: FenceRow): Fence {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    speedLimitKmh: row.speed_limit_kmh === null ? null : Number(row.speed_limit_kmh),
    vehicleIds: row.vehicle_ids ?? [],
    unitIds: row.unit_ids ?? [],
    geometry: row.geometry,
  };
}

/** The active fences (already WGS-84) as the detector sees them, indexed for point lookups. */
export async function loadFences(db: SqlRunner): Promise<FenceIndex> {
  const rows = await selectRows<FenceRow>(
    db,
    `SELECT id, name, kind, speed_limit_kmh, vehicle_ids, unit_ids, geometry
       FROM fences WHERE active ORDER BY created_at, id`,
  );
  return new FenceIndex(rows.map(fenceFromRow));
}
