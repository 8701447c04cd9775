import { createHash } from 'node:crypto';
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { normalizePlate } from '#app/db';
import type { CheckRequest, FuelFields } from './check-request.js';
import { DecisionCommitter, type CheckRow, type DecisionValue } from './decision-committer.js';
import { CANNOT_DECIDE } from './fail-closed.filter.js';
import { formatLocal, localDate } from '#app/calendar';
import { REASON_TEMPLATES, type Reason } from './reasons.js';

/** A slow database must not hold a payment run: the whole decision has a deadline (each statement too). */
const DECISION_DEADLINE_MS = 4_000;

export interface CheckView {
  checkId: string;
  decision: 'allow' | 'deny';
  reasons: Reason[];
  vehicle: { id: string; plateNumber: string; unit: string | null } | null;
  checkedAt: string;
}

export interface CheckRecordView extends CheckView {
  plateNumber: string;
  expenseType: string;
  amount: string;
  invoiceNo: string;
  expenseDate: string;
  checkedBy: string;
}

export interface CheckFilter {
  plate?: string;
  decision?: 'allow' | 'deny';
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

const CHECK_COLUMNS = `check_id, plate_number, plate_normalized, vehicle_id, unit_name, expense_type, amount::text AS amount,
  invoice_no, expense_date::text AS expense_date, decision, reasons, checked_at, checked_by`;

/** The fuel CTE of the fuel statement ($11–$18): see FUEL_IMPLAUSIBLE and FUEL_CAR_ELSEWHERE. */
const FUEL_FACTS = `  ), fuel AS (
    -- A fuel invoice with litres: the distance driven since the car's previous fill (or 30 days), from its
    -- positions; with a station and a fill time: the car's nearest position to the station around the fill.
    SELECT f.id, prev.at AS prev_fill, dist.m AS distance_m, ($17::jsonb ->> f.category)::numeric AS rate,
           near.m AS station_m, near.n AS near_count
    FROM facts f
    CROSS JOIN LATERAL (
      SELECT COALESCE((SELECT max(c.filled_at) FROM payment_checks c
                       WHERE c.vehicle_id = f.id AND c.litres IS NOT NULL AND c.filled_at < $12),
                      $12 - interval '30 days') AS at) prev
    CROSS JOIN LATERAL (
      SELECT COALESCE(sum(2 * 6371000 * asin(sqrt(power(sin(radians(s.lat - s.plat) / 2), 2)
               + cos(radians(s.lat)) * cos(radians(s.plat)) * power(sin(radians(s.lon - s.plon) / 2), 2)))), 0) AS m
      FROM (SELECT p.lat, p.lon, lag(p.lat) OVER w AS plat, lag(p.lon) OVER w AS plon
            FROM positions_of_vehicle(f.id, prev.at, $12) p
            WHERE $11::numeric IS NOT NULL AND p.fix_time > prev.at AND p.fix_time <= $12
            WINDOW w AS (ORDER BY p.fix_time)) s
      WHERE s.plat IS NOT NULL) dist
    CROSS JOIN LATERAL (
      SELECT min(2 * 6371000 * asin(sqrt(power(sin(radians(p.lat - $14) / 2), 2)
               + cos(radians(p.lat)) * cos(radians($14)) * power(sin(radians(p.lon - $15) / 2), 2)))) AS m,
             count(*) AS n
      FROM positions_of_vehicle(f.id, $12 - interval '10 minutes', $12 + interval '10 minutes') p
      WHERE $13 AND $14::float8 IS NOT NULL) near
    WHERE $11::numeric IS NOT NULL OR $14::float8 IS NOT NULL
`;

/** The fuel figures' placeholders, filled after the others. */
const FUEL_PLACEHOLDERS = `,
                         '{litres}', COALESCE($11::numeric::text, '')),
                         '{previousFill}', COALESCE(to_char(found.prev_fill AT TIME ZONE $6, 'YYYY-MM-DD HH24:MI'), '')),
                         '{distanceKm}', COALESCE(round((found.distance_m / 1000)::numeric, 1)::text, '')),
                         '{rate}', COALESCE(found.rate::text, '')), '{tolerance}', COALESCE($18::numeric::text, '')),
                         '{allowance}', COALESCE(found.allowance::text, '')),
                         '{filledAt}', COALESCE(to_char($12 AT TIME ZONE $6, 'YYYY-MM-DD HH24:MI:SS'), '')),
                         '{stationKm}', COALESCE(round((found.station_m / 1000)::numeric, 2)::text, ''))`;

/**
 * The whole decision as one statement, run after the invoice's lock is held:
 * - `earlier`: the earlier check of this invoice (the same request first);
 * - `car`: the car as registered and the terminal bound to it on the expense day (the registry's rule: the
 *   binding with valid_from ≤ D ≤ valid_to, valid_to inclusive or open; the latest if two touch D);
 * - `heard`: whether that terminal had an accepted position in the silence window ending with the expense
 *   day in the policy zone, (day end − N h, day end] — an index probe of the positions key;
 * - the reasons in the contract's order, their messages filled from REASON_TEMPLATES (a constant of the statement);
 * - the decision recorded unless the same request was decided before.
 * It returns the recorded decision (`inserted`) or the earlier one (`earlier`).
 */
const decideStatement = (templates: string, fuel: boolean) => `
  WITH earlier AS (
    SELECT ${CHECK_COLUMNS}, (plate_normalized = $2 AND expense_type = $3 AND amount = $4 AND fuel_key = ${fuel ? '$16' : "''"}) AS same
    FROM payment_checks WHERE invoice_no = $1
    ORDER BY same DESC LIMIT 1
  ), car AS (
    SELECT v.id, v.category, u.name AS unit_name, to_char(v.decommissioned_on, 'YYYY-MM-DD') AS decommissioned_on,
           v.decommissioned_on < $5 AS decommissioned,
           (SELECT b.terminal_id FROM terminal_bindings b
            WHERE b.vehicle_id = v.id AND b.valid_from <= $5 AND (b.valid_to IS NULL OR b.valid_to >= $5)
            ORDER BY b.valid_from DESC LIMIT 1) AS terminal_id
    FROM vehicles v JOIN units u ON u.id = v.unit_id
    WHERE v.plate_normalized = $2
  ), facts AS (
    SELECT car.*,
           EXISTS (SELECT 1 FROM positions_of_terminal(car.terminal_id, w.day_end - make_interval(hours => $7),
                                                       w.day_end) p
                   WHERE p.fix_time > w.day_end - make_interval(hours => $7)) AS heard
    FROM car, (SELECT (($5 + 1)::timestamp AT TIME ZONE $6) AS day_end) w
${fuel ? FUEL_FACTS : ''}  ), found AS (
    SELECT f.*, ${
      fuel
        ? `fu.prev_fill, fu.distance_m, fu.rate, fu.station_m,
           round((fu.distance_m / 1000 * fu.rate / 100 + $18)::numeric, 1) AS allowance,`
        : ''
    } ARRAY_REMOVE(ARRAY[
             CASE WHEN f.id IS NULL THEN 'VEHICLE_NOT_REGISTERED' END,
             CASE WHEN f.decommissioned THEN 'VEHICLE_DECOMMISSIONED' END,
             CASE WHEN f.id IS NOT NULL AND f.terminal_id IS NULL THEN 'NO_ACTIVE_TERMINAL' END,
             CASE WHEN f.terminal_id IS NOT NULL AND NOT f.heard THEN 'TERMINAL_SILENT' END,
             CASE WHEN EXISTS (SELECT 1 FROM earlier) THEN 'INVOICE_REUSED' END${
               fuel
                 ? `,
             CASE WHEN $11::numeric > fu.distance_m / 1000 * fu.rate / 100 + $18 THEN 'FUEL_IMPLAUSIBLE' END,
             CASE WHEN fu.near_count > 0 AND fu.station_m > 2000 THEN 'FUEL_CAR_ELSEWHERE' END`
                 : ''
             }
           ], NULL) AS codes
    FROM (SELECT 1) one LEFT JOIN facts f ON true${fuel ? ' LEFT JOIN fuel fu ON fu.id = f.id' : ''}
  ), ins AS (
    INSERT INTO payment_checks (plate_number, plate_normalized, vehicle_id, unit_name, expense_type, amount,
                                invoice_no, expense_date, decision, reasons, checked_at, checked_by
                                ${fuel ? ', litres, filled_at, station_lat, station_lon, fuel_key' : ''})
    SELECT $8, $2, found.id, found.unit_name, $3, $4, $1, $5,
           CASE WHEN cardinality(found.codes) = 0 THEN 'allow' ELSE 'deny' END,
           COALESCE((SELECT jsonb_agg(jsonb_build_object('code', r.code, 'message',
                       ${fuel ? 'replace(replace(replace(replace(replace(replace(replace(replace(' : ''}
                       replace(replace(replace(replace(replace(${templates}::jsonb ->> r.code,
                         '{plate}', $2), '{expenseDate}', to_char($5, 'YYYY-MM-DD')),
                         '{decommissionedOn}', COALESCE(found.decommissioned_on, '')),
                         '{silentHours}', $7::text), '{terminalId}', COALESCE(found.terminal_id, ''))${fuel ? FUEL_PLACEHOLDERS : ''})
                       ORDER BY r.n)
                     FROM unnest(found.codes) WITH ORDINALITY AS r(code, n)), '[]'::jsonb),
           $9, $10${fuel ? ', $11::numeric, $12, $14, $15, $16' : ''}
    FROM found
    WHERE NOT EXISTS (SELECT 1 FROM earlier WHERE same)
    RETURNING ${CHECK_COLUMNS}
  )
  SELECT (SELECT row_to_json(i) FROM ins i) AS inserted, (SELECT row_to_json(e) FROM earlier e WHERE e.same) AS earlier`;

/** Connections on which the decision statement is prepared (a new pooled connection prepares it once). */
const preparedOn = new WeakSet<PoolClient>();

async function prepareDecision(client: PoolClient): Promise<void> {
  if (preparedOn.has(client)) return;
  // Planning the statement costs the database far more than running it, so it is planned once per connection.
  const templates = client.escapeLiteral(JSON.stringify(REASON_TEMPLATES));
  const plain = 'text, text, text, numeric, date, text, int, text, timestamptz, text';
  await client.query(`PREPARE payment_gate_decide (${plain}) AS ${decideStatement(templates, false)}`);
  // Fuel invoices that carry fuel fields: the same decision with the fuel figures ($11–$18).
  await client.query(
    `PREPARE payment_gate_decide_fuel (${plain}, numeric, timestamptz, boolean, float8, float8, text, jsonb, numeric) ` +
      `AS ${decideStatement(templates, true)}`,
  );
  preparedOn.add(client);
}

/** $11–$18 of the fuel decision: the fuel fields, their key, and the fuel settings. */
function fuelValues(fuel: FuelFields, config: AppConfig): DecisionValue[] {
  const key = JSON.stringify([fuel.litres, fuel.filledAtGiven ? fuel.filledAt.toISOString() : null, fuel.station]);
  return [
    fuel.litres,
    fuel.filledAt.toISOString(),
    fuel.filledAtGiven,
    fuel.station ? String(fuel.station.lat) : null,
    fuel.station ? String(fuel.station.lon) : null,
    key,
    JSON.stringify(config.fuel.maxLPer100Km),
    String(config.fuel.toleranceL),
  ];
}

/** The per-invoice lock key: the first 32 bits of the invoice number's SHA-256. */
export function invoiceLockKey(invoiceNo: string): number {
  return createHash('sha256').update(invoiceNo).digest().readInt32BE(0);
}

/**
 * Decides whether finance may pay an expense of an official car, records the decision and its history entry
 * in one transaction (DecisionCommitter), and fails closed.
 */
@Injectable()
export class PaymentGateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly committer: DecisionCommitter,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    committer.usePrepare(prepareDecision);
  }

  now(): Date {
    return this.clock.now();
  }

  timeZone(): string {
    return this.config.tzPolicy;
  }

  /** Today in the policy zone: an expense cannot be dated after it. */
  today(): string {
    return localDate(this.clock.now(), this.config.tzPolicy);
  }

  async check(request: CheckRequest, actor: string): Promise<CheckView> {
    const values = [
      request.invoiceNo,
      request.plateNormalized,
      request.expenseType,
      request.amount,
      request.expenseDate,
      this.config.tzPolicy,
      this.config.terminalSilentHours,
      request.plateNumber,
      this.clock.now().toISOString(),
      actor,
      ...(request.fuel ? fuelValues(request.fuel, this.config) : []),
    ];
    // Of two identical requests at once, the second waits for the invoice's lock and then finds the first's decision.
    const row = await withDeadline(
      this.committer.submit(invoiceLockKey(request.invoiceNo), values),
      DECISION_DEADLINE_MS,
    );
    return this.view(row);
  }

  async list(filter: CheckFilter): Promise<{ items: CheckRecordView[]; total: number; limit: number; offset: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.plate) add('plate_normalized = ?', normalizePlate(filter.plate));
    if (filter.decision) add('decision = ?', filter.decision);
    // Days are the policy zone's calendar days, both ends included.
    if (filter.from) add(`checked_at >= (?::date::timestamp AT TIME ZONE '${this.zone()}')`, filter.from);
    if (filter.to) add(`checked_at < ((?::date + 1)::timestamp AT TIME ZONE '${this.zone()}')`, filter.to);
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [rows, count] = await withDeadline(
      Promise.all([
        this.db.query(
          `SELECT ${CHECK_COLUMNS} FROM payment_checks ${clause}
           ORDER BY checked_at DESC, check_id LIMIT ${filter.limit} OFFSET ${filter.offset}`,
          params,
        ) as Promise<CheckRow[]>,
        this.db.query(`SELECT count(*)::int AS total FROM payment_checks ${clause}`, params) as Promise<
          { total: number }[]
        >,
      ]),
      DECISION_DEADLINE_MS,
    );
    return {
      items: rows.map((row) => ({
        ...this.view(row),
        plateNumber: row.plate_number,
        expenseType: row.expense_type,
        amount: row.amount,
        invoiceNo: row.invoice_no,
        expenseDate: row.expense_date,
        checkedBy: row.checked_by,
      })),
      total: count[0].total,
      limit: filter.limit,
      offset: filter.offset,
    };
  }

  /** The configured zone, checked at start-up to be a real IANA name, so it is safe inside SQL text. */
  private zone(): string {
    return this.config.tzPolicy.replace(/'/g, "''");
  }

  private view(row: CheckRow): CheckView {
    return {
      checkId: row.check_id,
      decision: row.decision,
      reasons: row.reasons,
      vehicle: row.vehicle_id ? { id: row.vehicle_id, plateNumber: row.plate_normalized, unit: row.unit_name } : null,
      checkedAt: formatLocal(new Date(row.checked_at), this.config.tzPolicy),
    };
  }
}

/** Rejects with 503 when the work has not finished in time; the statement timeout ends the work itself. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ServiceUnavailableException(CANNOT_DECIDE)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
