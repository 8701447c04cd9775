import { createHash } from 'node:crypto';
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { normalizePlate } from '#app/db';
import type { CheckRequest } from './check-request.js';
import { Clock } from './clock.js';
import { DecisionHistoryAppender } from './decision-history.appender.js';
import { CANNOT_DECIDE } from './fail-closed.filter.js';
import { formatLocal, localDate } from './local-time.js';
import { reason, type Reason } from './reasons.js';

/** A slow database must not hold a payment run: each statement, and the whole decision, have a deadline. */
const STATEMENT_TIMEOUT_MS = 2_000;
const DECISION_DEADLINE_MS = 4_000;
/** First key of the per-invoice advisory lock that makes concurrent identical requests decide once. */
const INVOICE_LOCK_SPACE = 7_340_050;

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

interface CheckRow {
  check_id: string;
  plate_number: string;
  plate_normalized: string;
  vehicle_id: string | null;
  unit_name: string | null;
  expense_type: string;
  amount: string;
  invoice_no: string;
  expense_date: string;
  decision: 'allow' | 'deny';
  reasons: Reason[];
  checked_at: Date | string;
  checked_by: string;
}

/** What the registry and the positions say about the car on the expense day. */
interface VehicleFacts {
  id: string;
  plate_normalized: string;
  unit_name: string;
  decommissioned_on: string | null;
  /** The terminal bound to the car that day, if any. */
  terminal_id: string | null;
  heard: boolean;
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

/**
 * Everything a decision reads, in one round trip: the earlier check of this invoice (the same request
 * first), the car as registered, the terminal bound to it on the expense day (the registry's rule: the
 * binding with valid_from ≤ D ≤ valid_to, valid_to inclusive or open; the latest if two touch D), and
 * whether that terminal had an accepted position in the silence window ending with the expense day in the
 * policy zone: (day end − N h, day end]. The positions key (terminal_id, fix_time) makes that an index probe.
 */
const READ_FACTS = `
  WITH earlier AS (
    SELECT ${CHECK_COLUMNS}, (plate_normalized = $2 AND expense_type = $3 AND amount = $4::numeric) AS same
    FROM payment_checks WHERE invoice_no = $1
    ORDER BY same DESC LIMIT 1
  ), car AS (
    SELECT v.id, v.plate_normalized, u.name AS unit_name, v.decommissioned_on::text AS decommissioned_on,
           (SELECT b.terminal_id FROM terminal_bindings b
            WHERE b.vehicle_id = v.id AND b.valid_from <= $5::date AND (b.valid_to IS NULL OR b.valid_to >= $5::date)
            ORDER BY b.valid_from DESC LIMIT 1) AS terminal_id
    FROM vehicles v JOIN units u ON u.id = v.unit_id
    WHERE v.plate_normalized = $2
  ), facts AS (
    SELECT car.*,
           EXISTS (SELECT 1 FROM positions p
                   WHERE p.terminal_id = car.terminal_id
                     AND p.fix_time > w.day_end - make_interval(hours => $7::int)
                     AND p.fix_time <= w.day_end) AS heard
    FROM car, (SELECT (($5::date + 1)::timestamp AT TIME ZONE $6::text) AS day_end) w
  )
  SELECT (SELECT row_to_json(e) FROM earlier e) AS earlier, (SELECT row_to_json(f) FROM facts f) AS vehicle`;

/** The per-invoice lock key: the first 32 bits of the invoice number's SHA-256. */
export function invoiceLockKey(invoiceNo: string): number {
  return createHash('sha256').update(invoiceNo).digest().readInt32BE(0);
}

/**
 * Decides whether finance may pay an expense of an official car, records the decision (chained into the
 * history right after by DecisionHistoryAppender), and fails closed.
 */
@Injectable()
export class PaymentGateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly historyAppender: DecisionHistoryAppender,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Today in the policy zone: an expense cannot be dated after it. */
  today(): string {
    return localDate(this.clock.now(), this.config.tzPolicy);
  }

  async check(request: CheckRequest, actor: string): Promise<CheckView> {
    const row = await withDeadline(this.decideInTransaction(request, actor), DECISION_DEADLINE_MS);
    if (row.fresh) this.historyAppender.kick();
    return this.view(row);
  }

  /**
   * A plain transaction on one pooled connection, with named (prepared) statements: planning the read
   * costs the database far more than running it. The first round trip opens the transaction, sets the
   * deadline for every later statement and takes the invoice's lock: of two identical requests at once,
   * the second waits there and then finds the first one's decision.
   */
  private async decideInTransaction(request: CheckRequest, actor: string): Promise<CheckRow & { fresh?: boolean }> {
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await client.query(
        `BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}; ` +
          `SELECT pg_advisory_xact_lock(${INVOICE_LOCK_SPACE}, ${invoiceLockKey(request.invoiceNo)})`,
      );
      const row = await this.decide(client, request, actor);
      await client.query('COMMIT');
      return row;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async decide(
    client: PoolClient,
    request: CheckRequest,
    actor: string,
  ): Promise<CheckRow & { fresh?: boolean }> {
    const {
      rows: [read],
    } = await client.query<{ earlier: (CheckRow & { same: boolean }) | null; vehicle: VehicleFacts | null }>({
      name: 'payment-gate-read-facts',
      text: READ_FACTS,
      values: [
        request.invoiceNo,
        request.plateNormalized,
        request.expenseType,
        request.amount,
        request.expenseDate,
        this.config.tzPolicy,
        this.config.terminalSilentHours,
      ],
    });
    if (read.earlier?.same) return read.earlier;
    const vehicle = read.vehicle ?? undefined;
    const reasons = this.reasons(request, vehicle, read.earlier !== null);
    const { rows: inserted } = await client.query<CheckRow>({
      name: 'payment-gate-record',
      text: `INSERT INTO payment_checks (plate_number, plate_normalized, vehicle_id, unit_name, expense_type, amount,
                                         invoice_no, expense_date, decision, reasons, checked_at, checked_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             RETURNING ${CHECK_COLUMNS}`,
      values: [
        request.plateNumber,
        request.plateNormalized,
        vehicle?.id ?? null,
        vehicle?.unit_name ?? null,
        request.expenseType,
        request.amount,
        request.invoiceNo,
        request.expenseDate,
        reasons.length === 0 ? 'allow' : 'deny',
        JSON.stringify(reasons),
        this.clock.now(),
        actor,
      ],
    });
    return { ...inserted[0], fresh: true };
  }

  private reasons(request: CheckRequest, vehicle: VehicleFacts | undefined, invoiceSeen: boolean): Reason[] {
    const facts = {
      plate: request.plateNormalized,
      expenseDate: request.expenseDate,
      decommissionedOn: vehicle?.decommissioned_on,
      silentHours: this.config.terminalSilentHours,
      terminalId: vehicle?.terminal_id,
    };
    const out: Reason[] = [];
    if (!vehicle) {
      out.push(reason('VEHICLE_NOT_REGISTERED', facts));
    } else {
      if (vehicle.decommissioned_on !== null && vehicle.decommissioned_on < request.expenseDate) {
        out.push(reason('VEHICLE_DECOMMISSIONED', facts));
      }
      if (vehicle.terminal_id === null) out.push(reason('NO_ACTIVE_TERMINAL', facts));
      else if (!vehicle.heard) out.push(reason('TERMINAL_SILENT', facts));
    }
    if (invoiceSeen) out.push(reason('INVOICE_REUSED', facts));
    return out;
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
