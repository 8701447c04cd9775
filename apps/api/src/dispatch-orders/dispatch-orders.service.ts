import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import type { DispatchOrderStatus } from '#app/dispatch';
import { HistoryService } from '#app/history';
import { allowedActions, MAX_ORDER_MS, RESULT_STATUS, type DispatchAction } from './dispatch-order-workflow.js';
import type { CreateDispatchOrderDto, ListDispatchOrdersQuery } from './dispatch-orders.dto.js';

interface OrderRow {
  id: string;
  unit_id: string;
  vehicle_id: string;
  driver: string;
  purpose: string;
  start_time: Date;
  end_time: Date;
  destination: string;
  destination_fence_id: string | null;
  leaves_jurisdiction: boolean;
  status: DispatchOrderStatus;
  requested_by: string;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  ended_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function orderView(row: OrderRow, now = new Date()) {
  return {
    id: row.id,
    unitId: row.unit_id,
    vehicleId: row.vehicle_id,
    driver: row.driver,
    purpose: row.purpose,
    startTime: row.start_time,
    endTime: row.end_time,
    destination: row.destination,
    destinationFenceId: row.destination_fence_id,
    leavesJurisdiction: row.leaves_jurisdiction,
    status: row.status,
    requestedBy: row.requested_by,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionNote: row.decision_note,
    endedAt: row.ended_at,
    allowedActions: allowedActions({ status: row.status, start: row.start_time, end: row.end_time }, now),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const isCentre = (p: Principal) => p.roles.includes('centre');
const seesAll = (p: Principal) => isCentre(p) || p.roles.includes('inspector');
/** Unit clerks see and act on their own unit's orders only (none without a unit); the centre and inspectors see all. */
const NO_UNIT = '00000000-0000-0000-0000-000000000000';
const unitScope = (p: Principal): string | null => (seesAll(p) ? null : (p.unitId ?? NO_UNIT));

/** Dispatch orders (派车单): units request, the vehicle centre decides; every change goes into the history. */
@Injectable()
export class DispatchOrdersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  async create(body: CreateDispatchOrderDto, principal: Principal) {
    const start = new Date(body.startTime);
    const end = new Date(body.endTime);
    const now = new Date();
    const errors: string[] = [];
    if (end.getTime() <= start.getTime()) errors.push('endTime must be after startTime');
    if (end.getTime() - start.getTime() > MAX_ORDER_MS) errors.push('the time window must not be longer than 7 days');
    if (end.getTime() <= now.getTime()) errors.push('endTime is in the past: an order cannot be requested afterwards');
    if (errors.length > 0) throw new BadRequestException(errors);
    return this.db.transaction(async (m) => {
      const [vehicle] = (await m.query('SELECT id, unit_id, status FROM vehicles WHERE id = $1', [body.vehicleId])) as {
        id: string;
        unit_id: string;
        status: string;
      }[];
      if (!vehicle) throw new BadRequestException([`vehicleId ${body.vehicleId} is not a known vehicle`]);
      if (!isCentre(principal) && vehicle.unit_id !== principal.unitId) {
        throw new ForbiddenException('a unit clerk may request orders only for cars of their own unit');
      }
      if (vehicle.status !== 'active') {
        throw new BadRequestException([`vehicle ${body.vehicleId} is ${vehicle.status}, not active`]);
      }
      if (body.destinationFenceId) {
        const fences: unknown[] = await m.query('SELECT 1 FROM fences WHERE id = $1', [body.destinationFenceId]);
        if (fences.length === 0) {
          throw new BadRequestException([`destinationFenceId ${body.destinationFenceId} is not a known fence`]);
        }
      }
      const [row] = (await m.query(
        `INSERT INTO dispatch_orders (unit_id, vehicle_id, driver, purpose, start_time, end_time, destination,
                                      destination_fence_id, leaves_jurisdiction, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
        [
          vehicle.unit_id,
          vehicle.id,
          body.driver,
          body.purpose,
          start,
          end,
          body.destination,
          body.destinationFenceId ?? null,
          body.leavesJurisdiction ?? false,
          principal.name,
        ],
      )) as OrderRow[];
      await this.history.append(m, {
        entityType: 'dispatch_order',
        entityId: row.id,
        action: 'requested',
        actor: principal.name,
        data: {
          vehicleId: row.vehicle_id,
          unitId: row.unit_id,
          driver: row.driver,
          purpose: row.purpose,
          startTime: start.toISOString(),
          endTime: end.toISOString(),
          destination: row.destination,
          destinationFenceId: row.destination_fence_id,
          leavesJurisdiction: row.leaves_jurisdiction,
        },
      });
      return orderView(row, now);
    });
  }

  async list(query: ListDispatchOrdersQuery, principal: Principal) {
    const scope = unitScope(principal);
    const rows: OrderRow[] = await this.db.query(
      `SELECT * FROM dispatch_orders
        WHERE ($1::uuid IS NULL OR unit_id = $1)
          AND ($2::uuid IS NULL OR vehicle_id = $2)
          AND ($3::uuid IS NULL OR unit_id = $3)
          AND ($4::text IS NULL OR status = $4)
          AND ($5::timestamptz IS NULL OR end_time >= $5)
          AND ($6::timestamptz IS NULL OR start_time <= $6)
        ORDER BY start_time DESC, id
        LIMIT 1000`,
      [
        scope,
        query.vehicleId ?? null,
        query.unitId ?? null,
        query.status ?? null,
        query.from ?? null,
        query.to ?? null,
      ],
    );
    const now = new Date();
    return rows.map((r) => orderView(r, now));
  }

  async get(id: string, principal: Principal) {
    return orderView(await this.row(this.db.manager, id, principal));
  }

  /** Applies one workflow action; an action the order's state does not allow is a 409 naming what is allowed. */
  async act(id: string, action: DispatchAction, principal: Principal, note?: string) {
    if ((action === 'approve' || action === 'reject') && !isCentre(principal)) {
      throw new ForbiddenException('only the vehicle centre approves or rejects dispatch orders');
    }
    if (action === 'reject' && !note?.trim()) throw new BadRequestException(['note is required when rejecting']);
    return this.db.transaction(async (m) => {
      const row = await this.row(m, id, principal, true);
      const now = new Date();
      const allowed = allowedActions({ status: row.status, start: row.start_time, end: row.end_time }, now);
      if (!allowed.includes(action)) {
        throw new ConflictException(
          `cannot ${action} order ${id}: it is ${row.status}${describeTiming(row, now)}; ` +
            (allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'no further action is allowed'),
        );
      }
      const status = RESULT_STATUS[action];
      const decided = action === 'approve' || action === 'reject';
      const [[updated]] = (await m.query(
        `UPDATE dispatch_orders
            SET status = $2,
                decided_by = CASE WHEN $3 THEN $4 ELSE decided_by END,
                decided_at = CASE WHEN $3 THEN $5 ELSE decided_at END,
                decision_note = CASE WHEN $3 THEN $6 ELSE decision_note END,
                ended_at = CASE WHEN $2 = 'ended' THEN $5 ELSE ended_at END,
                updated_at = $5
          WHERE id = $1 RETURNING *`,
        [id, status, decided, principal.name, now, note ?? null],
      )) as [OrderRow[], number];
      await this.history.append(m, {
        entityType: 'dispatch_order',
        entityId: id,
        action: status,
        actor: principal.name,
        data: { from: row.status, to: status, at: now.toISOString(), note: note ?? null },
      });
      return orderView(updated, now);
    });
  }

  private async row(m: EntityManager, id: string, principal: Principal, lock = false): Promise<OrderRow> {
    const [row] = (await m.query(`SELECT * FROM dispatch_orders WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ])) as OrderRow[];
    const scope = unitScope(principal);
    // Another unit's order is answered like a missing one, so clerks cannot probe other units' orders.
    if (!row || (scope !== null && row.unit_id !== scope)) {
      throw new NotFoundException(`dispatch order ${id} does not exist`);
    }
    return row;
  }
}

function describeTiming(row: OrderRow, now: Date): string {
  if (row.status !== 'requested' && row.status !== 'approved') return '';
  if (now >= row.end_time) return ' and its time window is over';
  if (now >= row.start_time) return ' and its time window has started';
  return ' and its time window has not started';
}
