import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Geometry } from 'geojson';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import {
  COORDINATE_SYSTEMS,
  FENCE_KINDS,
  prepareFenceShape,
  type CoordinateSystem,
  type FenceKind,
  type ShapeType,
} from '#app/geo';
import { HistoryService } from '#app/history';
import type { CreateFenceDto, ImportFencesDto, UpdateFenceDto } from './fences.dto.js';

interface FenceRow {
  id: string;
  name: string;
  kind: FenceKind;
  coordinate_system: CoordinateSystem;
  shape_type: ShapeType;
  source_geometry: Geometry;
  geometry: Geometry;
  radius_m: number | null;
  width_m: number | null;
  speed_limit_kmh: number | null;
  vehicle_ids: string[];
  unit_ids: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A complete fence as a client sends it (create, PUT, one imported feature, or a PATCH merged onto a row). */
interface FenceInput {
  name: string;
  kind: FenceKind;
  coordinateSystem: CoordinateSystem;
  geometry: unknown;
  radiusM?: number | null;
  widthM?: number | null;
  speedLimitKmh?: number | null;
  vehicleIds?: string[];
  unitIds?: string[];
  active?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = `id, name, kind, coordinate_system, shape_type, source_geometry, geometry, radius_m, width_m,
  speed_limit_kmh, vehicle_ids, unit_ids, active, created_at, updated_at`;

export function fenceView(row: FenceRow) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    coordinateSystem: row.coordinate_system,
    shapeType: row.shape_type,
    sourceGeometry: row.source_geometry,
    geometry: row.geometry,
    radiusM: row.radius_m,
    widthM: row.width_m,
    speedLimitKmh: row.speed_limit_kmh === null ? null : Number(row.speed_limit_kmh),
    vehicleIds: row.vehicle_ids,
    unitIds: row.unit_ids,
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type FenceView = ReturnType<typeof fenceView>;

/**
 * Fences: validated and converted to WGS-84 once, here, so the detector only ever reads WGS-84 polygons.
 * Every change is kept in the history: moving a fence changes what counts as a violation.
 */
@Injectable()
export class FencesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  private async record(m: EntityManager, principal: Principal, action: string, row: FenceRow | { id: string }) {
    const data =
      'kind' in row
        ? {
            name: row.name,
            kind: row.kind,
            coordinateSystem: row.coordinate_system,
            shapeType: row.shape_type,
            sourceGeometry: row.source_geometry,
            radiusM: row.radius_m,
            widthM: row.width_m,
            speedLimitKmh: row.speed_limit_kmh,
            vehicleIds: row.vehicle_ids,
            unitIds: row.unit_ids,
            active: row.active,
          }
        : null;
    await this.history.append(m, { entityType: 'fence', entityId: row.id, action, actor: principal.name, data });
  }

  async list(kind?: FenceKind): Promise<FenceView[]> {
    const rows: FenceRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM fences WHERE ($1::text IS NULL OR kind = $1) ORDER BY kind, name, id`,
      [kind ?? null],
    );
    return rows.map(fenceView);
  }

  async get(id: string): Promise<FenceView> {
    return fenceView(await this.row(this.db.manager, id));
  }

  async create(body: CreateFenceDto, principal: Principal): Promise<FenceView> {
    return this.db.transaction(async (m) => {
      const prepared = await this.check(m, body);
      if (!prepared.ok) throw new BadRequestException(prepared.errors);
      const row = await this.insert(m, body, prepared.values);
      await this.record(m, principal, 'created', row);
      return fenceView(row);
    });
  }

  async replace(id: string, body: CreateFenceDto, principal: Principal): Promise<FenceView> {
    return this.db.transaction(async (m) => {
      await this.row(m, id, true);
      const prepared = await this.check(m, body);
      if (!prepared.ok) throw new BadRequestException(prepared.errors);
      const row = await this.update(m, id, body, prepared.values);
      await this.record(m, principal, 'replaced', row);
      return fenceView(row);
    });
  }

  async patch(id: string, body: UpdateFenceDto, principal: Principal): Promise<FenceView> {
    return this.db.transaction(async (m) => {
      const row = await this.row(m, id, true);
      const merged: FenceInput = {
        name: body.name ?? row.name,
        kind: body.kind ?? row.kind,
        coordinateSystem: body.coordinateSystem ?? row.coordinate_system,
        geometry: body.geometry ?? row.source_geometry,
        radiusM: body.radiusM !== undefined ? body.radiusM : row.radius_m,
        widthM: body.widthM !== undefined ? body.widthM : row.width_m,
        speedLimitKmh: body.speedLimitKmh !== undefined ? body.speedLimitKmh : row.speed_limit_kmh,
        vehicleIds: body.vehicleIds ?? row.vehicle_ids,
        unitIds: body.unitIds ?? row.unit_ids,
        active: body.active ?? row.active,
      };
      // A shape that is no longer a circle or corridor drops the radius or width of the old one.
      const shapeType = (merged.geometry as { type?: string } | null)?.type;
      if (shapeType !== 'Point' && body.radiusM === undefined) merged.radiusM = null;
      if (shapeType !== 'LineString' && body.widthM === undefined) merged.widthM = null;
      if (body.kind && body.kind !== 'speed_zone' && body.speedLimitKmh === undefined) merged.speedLimitKmh = null;
      if (body.kind && body.kind !== 'parking') {
        merged.vehicleIds = body.vehicleIds ?? [];
        merged.unitIds = body.unitIds ?? [];
      }
      const prepared = await this.check(m, merged);
      if (!prepared.ok) throw new BadRequestException(prepared.errors);
      const updated = await this.update(m, id, merged, prepared.values);
      await this.record(m, principal, 'updated', updated);
      return fenceView(updated);
    });
  }

  async remove(id: string, principal: Principal): Promise<void> {
    await this.db.transaction(async (m) => {
      const [, affected] = (await m.query('DELETE FROM fences WHERE id = $1', [id])) as [unknown, number];
      if (affected === 0) throw new NotFoundException(`fence ${id} does not exist`);
      await this.record(m, principal, 'deleted', { id });
    });
  }

  /** All features or none: the first problems of each bad feature are reported with its index. */
  async import(body: ImportFencesDto, principal: Principal): Promise<FenceView[]> {
    if (body.features.length === 0) throw new BadRequestException(['features must not be empty']);
    return this.db.transaction(async (m) => {
      const errors: string[] = [];
      const ready: { input: FenceInput; values: PreparedValues }[] = [];
      for (const [i, feature] of body.features.entries()) {
        const input = featureInput(feature, body.coordinateSystem);
        if (!input.ok) {
          errors.push(...input.errors.map((e) => `features[${i}]: ${e}`));
          continue;
        }
        const prepared = await this.check(m, input.value);
        if (!prepared.ok) errors.push(...prepared.errors.map((e) => `features[${i}]: ${e}`));
        else ready.push({ input: input.value, values: prepared.values });
      }
      if (errors.length > 0) throw new BadRequestException(errors);
      const created: FenceView[] = [];
      for (const { input, values } of ready) {
        const row = await this.insert(m, input, values);
        await this.record(m, principal, 'imported', row);
        created.push(fenceView(row));
      }
      return created;
    });
  }

  private async row(m: EntityManager, id: string, lock = false): Promise<FenceRow> {
    const rows: FenceRow[] = await m.query(`SELECT ${COLUMNS} FROM fences WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    if (rows.length === 0) throw new NotFoundException(`fence ${id} does not exist`);
    return rows[0];
  }

  /** Every rule a fence must satisfy besides the DTO's field checks; the errors say what is wrong. */
  private async check(m: EntityManager, input: FenceInput): Promise<CheckResult> {
    const errors: string[] = [];
    if (input.kind === 'speed_zone' && input.speedLimitKmh == null) {
      errors.push('speedLimitKmh is required for a speed_zone fence');
    }
    if (input.kind !== 'speed_zone' && input.speedLimitKmh != null) {
      errors.push('speedLimitKmh applies only to a speed_zone fence');
    }
    const vehicleIds = input.vehicleIds ?? [];
    const unitIds = input.unitIds ?? [];
    if (input.kind !== 'parking' && (vehicleIds.length > 0 || unitIds.length > 0)) {
      errors.push('vehicleIds and unitIds apply only to a parking fence');
    }
    if (vehicleIds.length > 0) {
      const known: { id: string }[] = await m.query('SELECT id FROM vehicles WHERE id = ANY($1::uuid[])', [vehicleIds]);
      const missing = vehicleIds.filter((id) => !known.some((k) => k.id === id));
      if (missing.length > 0) errors.push(`vehicleIds name unknown vehicles: ${missing.join(', ')}`);
    }
    if (unitIds.length > 0) {
      const known: { id: string }[] = await m.query('SELECT id FROM units WHERE id = ANY($1::uuid[])', [unitIds]);
      const missing = unitIds.filter((id) => !known.some((k) => k.id === id));
      if (missing.length > 0) errors.push(`unitIds name unknown units: ${missing.join(', ')}`);
    }
    const shape = prepareFenceShape({
      geometry: input.geometry,
      coordinateSystem: input.coordinateSystem,
      radiusM: input.radiusM ?? null,
      widthM: input.widthM ?? null,
    });
    if (!shape.ok) errors.push(...shape.errors);
    if (errors.length > 0 || !shape.ok) return { ok: false, errors };
    return { ok: true, values: { ...shape.shape, vehicleIds, unitIds } };
  }

  private async insert(m: EntityManager, input: FenceInput, v: PreparedValues): Promise<FenceRow> {
    const rows: FenceRow[] = await m.query(
      `INSERT INTO fences (name, kind, coordinate_system, shape_type, source_geometry, geometry, radius_m, width_m,
                           speed_limit_kmh, vehicle_ids, unit_ids, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
      fenceParams(input, v),
    );
    return rows[0];
  }

  private async update(m: EntityManager, id: string, input: FenceInput, v: PreparedValues): Promise<FenceRow> {
    const [rows] = (await m.query(
      `UPDATE fences SET name = $2, kind = $3, coordinate_system = $4, shape_type = $5, source_geometry = $6,
              geometry = $7, radius_m = $8, width_m = $9, speed_limit_kmh = $10, vehicle_ids = $11, unit_ids = $12,
              active = $13, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, ...fenceParams(input, v)],
    )) as [FenceRow[], number];
    return rows[0];
  }
}

type PreparedValues = Extract<ReturnType<typeof prepareFenceShape>, { ok: true }>['shape'] & {
  vehicleIds: string[];
  unitIds: string[];
};
type CheckResult = { ok: true; values: PreparedValues } | { ok: false; errors: string[] };

/** Reads one GeoJSON feature of an import: geometry plus name, kind and the optional fields in properties. */
function featureInput(
  feature: Record<string, unknown>,
  coordinateSystem: CoordinateSystem,
): { ok: true; value: FenceInput } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  if (feature.type !== 'Feature') errors.push('type must be Feature');
  const p = (feature.properties ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || Array.isArray(p)) return { ok: false, errors: ['properties must be an object'] };
  const name = p.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 200) {
    errors.push('properties.name must be a text of 1 to 200 characters');
  }
  if (!FENCE_KINDS.includes(p.kind as FenceKind)) {
    errors.push(`properties.kind must be one of: ${FENCE_KINDS.join(', ')} (got ${JSON.stringify(p.kind ?? null)})`);
  }
  const system = p.coordinateSystem ?? coordinateSystem;
  if (!COORDINATE_SYSTEMS.includes(system as CoordinateSystem)) {
    errors.push(`properties.coordinateSystem must be one of: ${COORDINATE_SYSTEMS.join(', ')}`);
  }
  const numberOrNull = (key: string): number | null => {
    const value = p[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      errors.push(`properties.${key} must be a number`);
      return null;
    }
    return value;
  };
  const uuids = (key: string): string[] => {
    const value = p[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && UUID.test(v))) {
      errors.push(`properties.${key} must be an array of UUIDs`);
      return [];
    }
    return value as string[];
  };
  const speedLimitKmh = numberOrNull('speedLimitKmh');
  if (speedLimitKmh !== null && (speedLimitKmh < 1 || speedLimitKmh > 250)) {
    errors.push('properties.speedLimitKmh must be between 1 and 250');
  }
  const value: FenceInput = {
    name: name as string,
    kind: p.kind as FenceKind,
    coordinateSystem: system as CoordinateSystem,
    geometry: feature.geometry,
    radiusM: numberOrNull('radiusM'),
    widthM: numberOrNull('widthM'),
    speedLimitKmh,
    vehicleIds: uuids('vehicleIds'),
    unitIds: uuids('unitIds'),
    active: typeof p.active === 'boolean' ? p.active : true,
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

/** The stored columns of a fence in the order both INSERT and UPDATE list them (name … active). */
function fenceParams(input: FenceInput, v: PreparedValues): unknown[] {
  return [
    input.name,
    input.kind,
    input.coordinateSystem,
    v.shapeType,
    JSON.stringify(v.source),
    JSON.stringify(v.wgs84),
    v.radiusM,
    v.widthM,
    input.speedLimitKmh ?? null,
    v.vehicleIds,
    v.unitIds,
    input.active ?? true,
  ];
}
