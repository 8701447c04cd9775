import { TRIP_DRIVER_JOIN } from '#app/registry';
import { kilometres } from './format.js';
import { CASE_STATUS_NAMES, CATEGORY_NAMES, FINDING_KIND_NAMES, RULE_NAMES, nameOf } from './labels.js';
import type { Queryable } from './oversight-stats.js';
import type { Progress, ReportDocument, Value } from './report-model.js';
import { KIND_TITLES, ReportError, localPeriod } from './report-request.js';

/** Cars read per round of queries: progress moves after each round. */
const BATCH = 25;
/** The PDF lists this many findings, trips or stops at most; the XLSX file has every one. */
const PDF_ROWS = 1500;

export interface ActivityScope {
  vehicleId?: string;
  unitId?: string;
}

interface CarRow {
  id: string;
  plate_number: string;
  category: string;
  unit_id: string;
  unit_name: string;
}

interface TripRow {
  vehicle_id: string;
  start_time: Date;
  end_time: Date;
  end_lat: number;
  end_lon: number;
  distance_m: number;
  off_hours_distance_m: number;
  max_speed_kmh: number | null;
  driver_name: string | null;
}

interface FindingRow {
  vehicle_id: string;
  rule: string;
  kind: string;
  start_time: Date;
  end_time: Date | null;
  place: string | null;
  case_status: string | null;
}

/** One stop: the time a car stood between two of its trips in the period, where the first ended. */
export interface Stop {
  from: Date;
  to: Date;
  lat: number;
  lon: number;
}

/**
 * Stops from a car's trips in time order: each gap between the end of one trip and the start of the next.
 * The trips are what the detector recorded (a trip begins after a stop of at least five minutes), so every
 * gap is such a stop; the time before the first trip and after the last one lie partly outside the period
 * and are not counted.
 */
export function stopsBetween(trips: { start_time: Date; end_time: Date; end_lat: number; end_lon: number }[]): Stop[] {
  const stops: Stop[] = [];
  for (let i = 0; i + 1 < trips.length; i++) {
    const from = trips[i].end_time;
    const to = trips[i + 1].start_time;
    if (to > from) stops.push({ from, to, lat: trips[i].end_lat, lon: trips[i].end_lon });
  }
  return stops;
}

/**
 * What cars did in a period: per car its trips, stops, distance, distance outside working time and findings
 * (the detector's violations and suspicions by when they began, and audit items marked issue found by when
 * they were marked, counted as violations like the statistics do). Trips count in the period they began.
 */
export async function buildActivityReport(
  db: Queryable,
  request: ActivityScope & { from: string; to: string },
  context: { timeZone: string; generatedAt: Date; progress: Progress },
): Promise<ReportDocument> {
  const { start, end } = localPeriod(request.from, request.to, context.timeZone);
  const { cars, scope, stem } = await scopeOf(db, request, request.from, request.to);

  const summary: Record<string, Value>[] = [];
  const tripRows: Record<string, Value>[] = [];
  const stopRows: Record<string, Value>[] = [];
  const findingRows: Record<string, Value>[] = [];
  const totals = { trips: 0, stops: 0, distance: 0, offHours: 0, violations: 0, suspicions: 0 };

  for (let i = 0; i < cars.length; i += BATCH) {
    const batch = cars.slice(i, i + BATCH);
    const ids = batch.map((c) => c.id);
    const trips: TripRow[] = await db.query(
      `SELECT t.vehicle_id, t.start_time, t.end_time, t.end_lat, t.end_lon, t.distance_m, t.off_hours_distance_m,
              t.max_speed_kmh, d.driver_name
         FROM trips t ${TRIP_DRIVER_JOIN}
        WHERE t.vehicle_id = ANY($1::uuid[]) AND t.start_time >= $2 AND t.start_time < $3
        ORDER BY t.vehicle_id, t.start_time`,
      [ids, start, end],
    );
    const findings: FindingRow[] = await db.query(
      `SELECT v.vehicle_id, v.rule, v.kind, v.start_time, v.end_time, v.place, c.status AS case_status
         FROM violations v LEFT JOIN cases c ON c.id = v.case_id
        WHERE v.vehicle_id = ANY($1::uuid[]) AND v.start_time >= $2 AND v.start_time < $3
       UNION ALL
       SELECT i.vehicle_id, 'audit_finding', 'violation', i.reviewed_at, NULL, w.iso_week, c.status
         FROM audit_items i JOIN audit_weeks w ON w.id = i.audit_week_id LEFT JOIN cases c ON c.id = i.case_id
        WHERE i.vehicle_id = ANY($1::uuid[]) AND i.status = 'issue_found' AND i.reviewed_at >= $2 AND i.reviewed_at < $3
        ORDER BY 1, 4`,
      [ids, start, end],
    );
    for (const car of batch) {
      const own = trips.filter((t) => t.vehicle_id === car.id);
      const stops = stopsBetween(own);
      const found = findings.filter((f) => f.vehicle_id === car.id);
      const distance = own.reduce((sum, t) => sum + t.distance_m, 0);
      const offHours = own.reduce((sum, t) => sum + t.off_hours_distance_m, 0);
      const violations = found.filter((f) => f.kind === 'violation').length;
      const suspicions = found.length - violations;
      totals.trips += own.length;
      totals.stops += stops.length;
      totals.distance += distance;
      totals.offHours += offHours;
      totals.violations += violations;
      totals.suspicions += suspicions;
      summary.push({
        plate: car.plate_number,
        unit: car.unit_name,
        category: nameOf(CATEGORY_NAMES, car.category),
        trips: own.length,
        stops: stops.length,
        distanceKm: kilometres(distance),
        offHoursKm: kilometres(offHours),
        violations,
        suspicions,
      });
      for (const t of own) {
        tripRows.push({
          plate: car.plate_number,
          start: t.start_time,
          end: t.end_time,
          duration: (t.end_time.getTime() - t.start_time.getTime()) / 1000,
          distanceKm: kilometres(t.distance_m),
          offHoursKm: kilometres(t.off_hours_distance_m),
          maxSpeed: t.max_speed_kmh === null ? null : Math.round(t.max_speed_kmh),
          driver: t.driver_name,
        });
      }
      for (const s of stops) {
        stopRows.push({
          plate: car.plate_number,
          from: s.from,
          to: s.to,
          duration: (s.to.getTime() - s.from.getTime()) / 1000,
          lat: Math.round(s.lat * 1e5) / 1e5,
          lon: Math.round(s.lon * 1e5) / 1e5,
        });
      }
      for (const f of found) {
        findingRows.push({
          plate: car.plate_number,
          rule: nameOf(RULE_NAMES, f.rule),
          kind: nameOf(FINDING_KIND_NAMES, f.kind),
          start: f.start_time,
          end: f.end_time,
          place: f.place,
          caseStatus: f.case_status === null ? null : nameOf(CASE_STATUS_NAMES, f.case_status),
        });
      }
    }
    await context.progress(Math.min(i + BATCH, cars.length) / Math.max(cars.length, 1));
  }

  return {
    kind: 'activity',
    title: KIND_TITLES.activity,
    subtitle: `${scope} · ${request.from} – ${request.to}`,
    fileStem: `activity-${stem}-${request.from}-${request.to}`,
    meta: [
      { label: '期间 Period', value: `${request.from} 00:00 – ${request.to} 24:00 (${context.timeZone})` },
      { label: '范围 Scope', value: scope },
    ],
    sections: [
      {
        kind: 'figures',
        title: '合计 Totals',
        items: [
          { key: 'cars', label: '车辆 Cars', value: cars.length, valueKind: 'int' },
          { key: 'trips', label: '行程 Trips', value: totals.trips, valueKind: 'int' },
          { key: 'stops', label: '停车 Stops', value: totals.stops, valueKind: 'int' },
          { key: 'distanceKm', label: '里程 km Distance', value: kilometres(totals.distance), valueKind: 'km' },
          {
            key: 'offHoursKm',
            label: '非工作时间里程 km Off-hours distance',
            value: kilometres(totals.offHours),
            valueKind: 'km',
          },
          {
            key: 'offHoursShare',
            label: '非工作时间里程占比 Off-hours share',
            value: totals.distance === 0 ? 0 : totals.offHours / totals.distance,
            valueKind: 'percent',
          },
          { key: 'violations', label: '违规 Violations', value: totals.violations, valueKind: 'int' },
          { key: 'suspicions', label: '疑似 Suspicions', value: totals.suspicions, valueKind: 'int' },
        ],
      },
      {
        kind: 'table',
        sheet: '车辆 Cars',
        title: '车辆汇总 Cars',
        columns: [
          { key: 'plate', header: '车牌 Plate', width: 1.2 },
          { key: 'unit', header: '单位 Unit', width: 1.6 },
          { key: 'category', header: '类别 Category', width: 1.5 },
          { key: 'trips', header: '行程 Trips', kind: 'int', width: 0.7 },
          { key: 'stops', header: '停车 Stops', kind: 'int', width: 0.7 },
          { key: 'distanceKm', header: '里程 km', kind: 'km', width: 0.8 },
          { key: 'offHoursKm', header: '非工作 km Off-hours', kind: 'km', width: 1 },
          { key: 'violations', header: '违规 Viol.', kind: 'int', width: 0.7 },
          { key: 'suspicions', header: '疑似 Susp.', kind: 'int', width: 0.7 },
        ],
        rows: summary,
        empty: '范围内没有车辆 No cars in scope',
      },
      {
        kind: 'table',
        sheet: '违规 Findings',
        title: '违规与疑似 Findings',
        columns: [
          { key: 'plate', header: '车牌 Plate', width: 1.1 },
          { key: 'rule', header: '规则 Rule', width: 2 },
          { key: 'kind', header: '性质 Kind', width: 1 },
          { key: 'start', header: '开始 Start', kind: 'time', width: 1.2 },
          { key: 'end', header: '结束 End', kind: 'time', width: 1.2 },
          { key: 'place', header: '地点 Place', width: 1.3 },
          { key: 'caseStatus', header: '案件 Case', width: 1.2 },
        ],
        rows: findingRows,
        empty: '无违规 No findings',
        pdfRowLimit: PDF_ROWS,
      },
      {
        kind: 'table',
        sheet: '行程 Trips',
        title: '行程 Trips',
        columns: [
          { key: 'plate', header: '车牌 Plate', width: 1.1 },
          { key: 'start', header: '出发 Start', kind: 'time', width: 1.2 },
          { key: 'end', header: '到达 End', kind: 'time', width: 1.2 },
          { key: 'duration', header: '时长 h:mm', kind: 'duration', width: 0.7 },
          { key: 'distanceKm', header: '里程 km', kind: 'km', width: 0.7 },
          { key: 'offHoursKm', header: '非工作 km', kind: 'km', width: 0.8 },
          { key: 'maxSpeed', header: '最高 km/h', kind: 'int', width: 0.7 },
          { key: 'driver', header: '驾驶员 Driver', width: 1 },
        ],
        rows: tripRows,
        empty: '无行程 No trips',
        pdfRowLimit: PDF_ROWS,
      },
      {
        kind: 'table',
        sheet: '停车 Stops',
        title: '停车（两次行程之间） Stops between trips',
        columns: [
          { key: 'plate', header: '车牌 Plate', width: 1.1 },
          { key: 'from', header: '停车 From', kind: 'time', width: 1.2 },
          { key: 'to', header: '离开 To', kind: 'time', width: 1.2 },
          { key: 'duration', header: '时长 h:mm', kind: 'duration', width: 0.7 },
          { key: 'lat', header: '纬度 Lat', kind: 'number', width: 0.8 },
          { key: 'lon', header: '经度 Lon', kind: 'number', width: 0.8 },
        ],
        rows: stopRows,
        empty: '无停车 No stops',
        pdfRowLimit: PDF_ROWS,
      },
    ],
  };
}

/** The cars a report covers and how it names them: one car, one unit's cars, or the fleet in service. */
async function scopeOf(
  db: Queryable,
  scope: ActivityScope,
  from: string,
  to: string,
): Promise<{ cars: CarRow[]; scope: string; stem: string }> {
  const columns = `v.id, v.plate_number, v.category, v.unit_id, u.name AS unit_name
                     FROM vehicles v JOIN units u ON u.id = v.unit_id`;
  if (scope.vehicleId) {
    const cars: CarRow[] = await db.query(`SELECT ${columns} WHERE v.id = $1`, [scope.vehicleId]);
    if (cars.length === 0) throw new ReportError('VEHICLE_NOT_FOUND', `vehicle ${scope.vehicleId} not found`);
    const [car] = cars;
    return { cars, scope: `${car.plate_number}（${car.unit_name}）`, stem: `car-${car.id.slice(0, 8)}` };
  }
  // Cars in service at some time in the period: commissioned by its end, not decommissioned before it began.
  const inService = `v.commissioned_on <= $2::date AND (v.decommissioned_on IS NULL OR v.decommissioned_on >= $1::date)`;
  if (scope.unitId) {
    const units: { name: string }[] = await db.query('SELECT name FROM units WHERE id = $1', [scope.unitId]);
    if (units.length === 0) throw new ReportError('UNIT_NOT_FOUND', `unit ${scope.unitId} not found`);
    const cars: CarRow[] = await db.query(
      `SELECT ${columns} WHERE v.unit_id = $3 AND ${inService} ORDER BY v.plate_normalized`,
      [from, to, scope.unitId],
    );
    return { cars, scope: units[0].name, stem: `unit-${scope.unitId.slice(0, 8)}` };
  }
  const cars: CarRow[] = await db.query(`SELECT ${columns} WHERE ${inService} ORDER BY u.name, v.plate_normalized`, [
    from,
    to,
  ]);
  return { cars, scope: '全部车辆 Whole fleet', stem: 'fleet' };
}
