import { readFileSync } from 'node:fs';
import type { Feature, FeatureCollection, MultiPolygon } from 'geojson';
import type { CoordinateSystem, FenceKind } from './fence.types.js';
import { prepareFenceShape } from './fence-geometry.js';
import { projectFile } from './project-root.js';
import { selectRows, type SqlRunner } from './sql.js';

/** Administrative codes of the demo district and its neighbour in the shipped boundary file. */
export const SUYU_ADCODE = 321311;
export const SUCHENG_ADCODE = 321302;
export const DEMO_JURISDICTION_NAME = '宿豫区 (jurisdiction)';
export const DEMO_PARKING_RADIUS_M = 80;

/** The boundaries of 宿豫区 and 宿城区 as published by DataV.GeoAtlas, in GCJ-02. */
export function suqianDistricts(): FeatureCollection<MultiPolygon, { adcode: number; name: string }> {
  return JSON.parse(readFileSync(projectFile('libs', 'geo', 'assets', 'suqian-districts-gcj02.geojson'), 'utf8'));
}

export function districtFeature(adcode: number): Feature<MultiPolygon, { adcode: number; name: string }> {
  const feature = suqianDistricts().features.find((f) => f.properties.adcode === adcode);
  if (!feature) throw new Error(`district ${adcode} is not in the boundary file`);
  return feature;
}

export interface DemoVenue {
  key: string;
  name: string;
  kind: Extract<FenceKind, 'forbidden' | 'restaurant'>;
  /** Centre in WGS-84, as a terminal would report it. */
  lat: number;
  lon: number;
  radiusM: number;
}

/** Venues inside 宿豫区 (well away from its boundary and from the demo units' lots) that the simulator and rule tests drive cars into. */
export const DEMO_VENUES: readonly DemoVenue[] = [
  { key: 'ktv', name: '欢唱KTV', kind: 'forbidden', lat: 33.9645, lon: 118.3525, radiusM: 120 },
  { key: 'hotel', name: '湖滨大酒店', kind: 'forbidden', lat: 33.9985, lon: 118.365, radiusM: 150 },
  { key: 'scenic', name: '湖畔风景区', kind: 'forbidden', lat: 34.0, lon: 118.4, radiusM: 400 },
  { key: 'restaurant-east', name: '东关农家菜馆', kind: 'restaurant', lat: 33.943, lon: 118.366, radiusM: 60 },
  { key: 'restaurant-north', name: '北岸酒楼', kind: 'restaurant', lat: 34.02, lon: 118.34, radiusM: 60 },
];

/** WGS-84 points for tests: one inside 宿豫区 clear of every demo venue, one in 宿城区 (outside the jurisdiction). */
export const DEMO_POINTS = {
  insideJurisdiction: { lat: 33.95, lon: 118.33 },
  inSucheng: { lat: 33.7932, lon: 118.3137 },
} as const;

export interface DemoParkingLot {
  unitId: string;
  /** Label used in the fence name, e.g. the unit's name. */
  label?: string;
  /** Lot centre in WGS-84. */
  lat: number;
  lon: number;
  vehicleIds?: string[];
}

interface DemoFence {
  name: string;
  kind: FenceKind;
  coordinateSystem: CoordinateSystem;
  geometry: unknown;
  radiusM?: number;
  unitIds?: string[];
  vehicleIds?: string[];
}

/**
 * Creates the demo fences: the 宿豫区 boundary (drawn in GCJ-02, converted on the way in), an 80 m parking
 * circle at each unit's home lot and the demo venues. Fences whose name already exists are left alone,
 * so running it twice changes nothing. Returns the ids by name.
 */
export async function loadDemoFences(db: SqlRunner, lots: readonly DemoParkingLot[]): Promise<Map<string, string>> {
  const fences: DemoFence[] = [
    {
      name: DEMO_JURISDICTION_NAME,
      kind: 'jurisdiction',
      coordinateSystem: 'GCJ02',
      geometry: districtFeature(SUYU_ADCODE).geometry,
    },
    ...lots.map((lot) => ({
      name: `${lot.label ?? lot.unitId} parking`,
      kind: 'parking' as const,
      coordinateSystem: 'WGS84' as const,
      geometry: { type: 'Point', coordinates: [lot.lon, lot.lat] },
      radiusM: DEMO_PARKING_RADIUS_M,
      unitIds: [lot.unitId],
      vehicleIds: lot.vehicleIds ?? [],
    })),
    ...DEMO_VENUES.map((v) => ({
      name: v.name,
      kind: v.kind,
      coordinateSystem: 'WGS84' as const,
      geometry: { type: 'Point', coordinates: [v.lon, v.lat] },
      radiusM: v.radiusM,
    })),
  ];
  const ids = new Map<string, string>();
  for (const fence of fences) {
    const existing = await selectRows<{ id: string }>(db, 'SELECT id FROM fences WHERE name = $1', [fence.name]);
    if (existing.length > 0) {
      ids.set(fence.name, existing[0].id);
      continue;
    }
    const prepared = prepareFenceShape({
      geometry: fence.geometry,
      coordinateSystem: fence.coordinateSystem,
      radiusM: fence.radiusM ?? null,
    });
    if (!prepared.ok) throw new Error(`demo fence ${fence.name}: ${prepared.errors.join('; ')}`);
    const { shape } = prepared;
    const [row] = await selectRows<{ id: string }>(
      db,
      `INSERT INTO fences (name, kind, coordinate_system, shape_type, source_geometry, geometry, radius_m,
                           vehicle_ids, unit_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        fence.name,
        fence.kind,
        fence.coordinateSystem,
        shape.shapeType,
        JSON.stringify(shape.source),
        JSON.stringify(shape.wgs84),
        shape.radiusM,
        fence.vehicleIds ?? [],
        fence.unitIds ?? [],
      ],
    );
    ids.set(fence.name, row.id);
  }
  return ids;
}
