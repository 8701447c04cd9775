import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { DataSource } from 'typeorm';
import type { ListViolationsQueryDto } from './violations.dto.js';

interface ViolationRow {
  id: string;
  vehicle_id: string;
  plate_number: string;
  unit_id: string;
  terminal_id: string | null;
  rule: string;
  kind: string;
  start_time: Date;
  end_time: Date | null;
  lat: number | null;
  lon: number | null;
  place: string | null;
  fence_id: string | null;
  evidence: Record<string, unknown>;
  case_id: string | null;
  detected_at: Date;
}

const SELECT = `
  SELECT x.id, x.vehicle_id, v.plate_number, v.unit_id, x.terminal_id, x.rule, x.kind, x.start_time, x.end_time,
         x.lat, x.lon, x.place, x.fence_id, x.evidence, x.case_id, x.detected_at
    FROM violations x JOIN vehicles v ON v.id = x.vehicle_id`;

/** Track points shown with one finding; longer findings are thinned evenly. */
const MAX_TRACK_POINTS = 5_000;
/** A finding without an end shows this much track. */
const OPEN_END_MS = 3_600_000;

function view(r: ViolationRow) {
  return {
    id: r.id,
    vehicleId: r.vehicle_id,
    plateNumber: r.plate_number,
    unitId: r.unit_id,
    terminalId: r.terminal_id,
    rule: r.rule,
    kind: r.kind,
    startTime: r.start_time.toISOString(),
    endTime: r.end_time?.toISOString() ?? null,
    lat: r.lat,
    lon: r.lon,
    place: r.place,
    fenceId: r.fence_id,
    caseId: r.case_id,
    detectedAt: r.detected_at.toISOString(),
    evidence: r.evidence,
  };
}

/** Violations and suspicions as the detector raised them, with their evidence track. */
@Injectable()
export class ViolationsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(q: ListViolationsQueryDto) {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.vehicleId) add('x.vehicle_id = ?', q.vehicleId);
    if (q.unitId) add('v.unit_id = ?', q.unitId);
    if (q.rule) add('x.rule = ?', q.rule);
    if (q.kind) add('x.kind = ?', q.kind);
    if (q.from) add('x.start_time >= ?', new Date(q.from));
    if (q.to) add('x.start_time < ?', new Date(q.to));
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { limit, offset } = q;
    const [rows, total] = await Promise.all([
      this.db.query(`${SELECT} ${filter} ORDER BY x.start_time DESC, x.id LIMIT ${limit} OFFSET ${offset}`, params),
      this.db.query(
        `SELECT count(*)::int AS n FROM violations x JOIN vehicles v ON v.id = x.vehicle_id ${filter}`,
        params,
      ),
    ]);
    return { items: (rows as ViolationRow[]).map(view), total: (total as { n: number }[])[0].n, limit, offset };
  }

  /** One finding with its evidence track (the car's positions over its time range) and fence as GeoJSON. */
  async get(id: string) {
    const [row] = (await this.db.query(`${SELECT} WHERE x.id = $1`, [id])) as ViolationRow[];
    if (!row) throw new NotFoundException(`violation ${id} not found`);
    const end = row.end_time ?? new Date(row.start_time.getTime() + OPEN_END_MS);
    const points = (await this.db.query(
      `SELECT fix_time, lat, lon, speed_kmh FROM (
         SELECT fix_time, lat, lon, speed_kmh, row_number() OVER (ORDER BY fix_time) AS n, count(*) OVER () AS total
           FROM positions_of_vehicle($1, $2, $3) WHERE valid
       ) p WHERE (n - 1) % greatest(1, ceil(total::numeric / $4)::int) = 0 OR n = total ORDER BY fix_time`,
      [row.vehicle_id, row.start_time, end, MAX_TRACK_POINTS],
    )) as { fix_time: Date; lat: number; lon: number; speed_kmh: number | null }[];
    const features: Feature<Geometry>[] = [];
    if (points.length > 0) {
      features.push({
        type: 'Feature',
        geometry: {
          type: points.length > 1 ? 'LineString' : 'Point',
          coordinates: points.length > 1 ? points.map((p) => [p.lon, p.lat]) : [points[0].lon, points[0].lat],
        } as Geometry,
        properties: {
          role: 'track',
          times: points.map((p) => p.fix_time.toISOString()),
          speedsKmh: points.map((p) => p.speed_kmh),
        },
      });
    }
    if (row.lat !== null && row.lon !== null) {
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [row.lon, row.lat] },
        properties: { role: 'start', time: row.start_time.toISOString() },
      });
    }
    if (row.fence_id) {
      const [fence] = (await this.db.query(`SELECT id, name, kind, geometry FROM fences WHERE id = $1`, [
        row.fence_id,
      ])) as { id: string; name: string; kind: string; geometry: Geometry }[];
      if (fence) {
        features.push({
          type: 'Feature',
          geometry: fence.geometry,
          properties: { role: 'fence', id: fence.id, name: fence.name, kind: fence.kind },
        });
      }
    }
    const track: FeatureCollection = { type: 'FeatureCollection', features };
    return { ...view(row), track };
  }
}
