import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import { CLOCK, type Clock } from '#app/calendar';
import type { VehicleCategory } from '#app/db';
import { HistoryService } from '#app/history';
import { purchaseError } from './purchase.errors.js';
import { checkQuota } from './quota.js';
import type { CreatePurchaseRequestDto, PreReviewDto, StandardDto } from './purchase-requests.dto.js';
import {
  engineSettingKey,
  priceSettingKey,
  standardsFrom,
  toCents,
  toCny,
  type PurchaseStandard,
} from './purchase-standards.js';

export interface PurchaseRequestRow {
  id: string;
  unit_id: string;
  unit_name: string;
  category: VehicleCategory;
  count: number;
  budget_cny: string;
  engine_l: string;
  justification: string;
  replaces_vehicle_id: string | null;
  status: string;
  pre_review: unknown;
  pre_reviewed_by: string | null;
  pre_reviewed_at: Date | null;
  requested_by: string;
  created_at: Date;
  decided_at: Date | null;
  withdrawn_at: Date | null;
  withdrawn_by: string | null;
  withdrawn_reason: string | null;
}

export function presentRequest(r: PurchaseRequestRow) {
  return {
    id: r.id,
    unitId: r.unit_id,
    unitName: r.unit_name,
    category: r.category,
    count: r.count,
    budgetCny: r.budget_cny,
    engineL: Number(r.engine_l),
    justification: r.justification,
    replacesVehicleId: r.replaces_vehicle_id,
    status: r.status,
    preReview: r.pre_review,
    preReviewedBy: r.pre_reviewed_by,
    preReviewedAt: r.pre_reviewed_at,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    withdrawnAt: r.withdrawn_at,
    withdrawnBy: r.withdrawn_by,
    withdrawnReason: r.withdrawn_reason,
  };
}

/** A request its unit may still take back: anything not yet decided or withdrawn. */
const WITHDRAWABLE = ['submitted', 'pre_review_passed', 'pre_review_failed', 'on_agenda'];

const SELECT_REQUEST = `
  SELECT r.*, u.name AS unit_name FROM purchase_requests r JOIN units u ON u.id = r.unit_id`;

/** Requests by units and the centre's pre-review with its automatic checks. */
@Injectable()
export class PurchaseRequestsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async standards(manager: EntityManager | DataSource = this.db): Promise<Record<VehicleCategory, PurchaseStandard>> {
    const rows: { key: string; value: string }[] = await manager.query(
      `SELECT key, value FROM settings WHERE key LIKE 'purchase.%'`,
    );
    return standardsFrom(new Map(rows.map((r) => [r.key, r.value])));
  }

  async setStandard(body: StandardDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      for (const [key, value] of [
        [priceSettingKey(body.category), body.priceLimitCny],
        [engineSettingKey(body.category), String(body.engineLimitL)],
      ]) {
        await manager.query(
          `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
          [key, value],
        );
      }
      await this.history.append(manager, {
        entityType: 'purchase_standard',
        entityId: body.category,
        action: 'set',
        actor: who.name,
        data: { priceLimitCny: body.priceLimitCny, engineLimitL: body.engineLimitL },
      });
      return (await this.standards(manager))[body.category];
    });
  }

  async create(body: CreatePurchaseRequestDto, who: Principal) {
    // Only unit clerks request purchases, and only for their own unit.
    if (body.unitId && body.unitId !== who.unitId) throw purchaseError('NOT_OWN_UNIT');
    const unitId = body.unitId ?? who.unitId;
    if (!unitId) throw purchaseError('UNIT_REQUIRED');
    return this.db.transaction(async (manager) => {
      const units: unknown[] = await manager.query('SELECT 1 FROM units WHERE id = $1', [unitId]);
      if (units.length === 0) throw purchaseError('UNKNOWN_UNIT', unitId);
      if (body.replacesVehicleId) {
        const cars: unknown[] = await manager.query(
          `SELECT 1 FROM vehicles WHERE id = $1 AND unit_id = $2 AND status = 'active'`,
          [body.replacesVehicleId, unitId],
        );
        if (cars.length === 0) throw purchaseError('REPLACED_VEHICLE_INVALID', body.replacesVehicleId);
      }
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO purchase_requests (unit_id, category, count, budget_cny, engine_l, justification,
           replaces_vehicle_id, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [
          unitId,
          body.category,
          body.count,
          body.budgetCny,
          body.engineL,
          body.justification,
          body.replacesVehicleId ?? null,
          who.name,
        ],
      );
      const id = inserted[0].id;
      await this.history.append(manager, {
        entityType: 'purchase_request',
        entityId: id,
        action: 'submitted',
        actor: who.name,
        data: { ...body, unitId },
      });
      return this.get(id, manager);
    });
  }

  async get(id: string, manager: EntityManager | DataSource = this.db, who?: Principal) {
    const rows: PurchaseRequestRow[] = await manager.query(`${SELECT_REQUEST} WHERE r.id = $1`, [id]);
    const row = rows[0];
    if (!row) throw purchaseError('REQUEST_NOT_FOUND', id);
    if (who && onlyOwnUnit(who) && row.unit_id !== who.unitId) throw purchaseError('REQUEST_NOT_FOUND', id);
    return presentRequest(row);
  }

  async list(who: Principal, status?: string) {
    const own = onlyOwnUnit(who);
    const rows: PurchaseRequestRow[] = await this.db.query(
      `${SELECT_REQUEST}
        WHERE ($1::uuid IS NULL OR r.unit_id = $1) AND ($2::text IS NULL OR r.status = $2)
        ORDER BY r.created_at DESC`,
      [own ? who.unitId : null, status ?? null],
    );
    return rows.map(presentRequest);
  }

  /**
   * The unit takes its request back before its meeting begins (no one recorded present yet). It counts as
   * withdrawn, never as rejected or saved.
   */
  async withdraw(id: string, body: { reason: string }, who: Principal) {
    return this.db.transaction(async (manager) => {
      // The meeting first, then the request: the order the meeting's own changes lock them in.
      const onAgenda: { meeting_id: string }[] = await manager.query(
        'SELECT meeting_id FROM meeting_agenda WHERE request_id = $1 AND withdrawn_at IS NULL AND decision IS NULL',
        [id],
      );
      if (onAgenda[0]) await manager.query('SELECT 1 FROM meetings WHERE id = $1 FOR UPDATE', [onAgenda[0].meeting_id]);
      const rows: PurchaseRequestRow[] = await manager.query(
        'SELECT * FROM purchase_requests WHERE id = $1 FOR UPDATE',
        [id],
      );
      const request = rows[0];
      if (!request || request.unit_id !== who.unitId) throw purchaseError('REQUEST_NOT_FOUND', id);
      if (!WITHDRAWABLE.includes(request.status)) throw purchaseError('NOT_WITHDRAWABLE', `status ${request.status}`);
      const now = this.clock.now();
      if (request.status === 'on_agenda') {
        const items: { id: string; meeting_id: string; started: boolean }[] = await manager.query(
          `SELECT a.id, a.meeting_id,
                  EXISTS (SELECT 1 FROM meeting_attendance_events e WHERE e.meeting_id = a.meeting_id) AS started
             FROM meeting_agenda a WHERE a.request_id = $1 AND a.withdrawn_at IS NULL AND a.decision IS NULL`,
          [id],
        );
        const item = items[0];
        if (item.started) throw purchaseError('MEETING_STARTED', item.meeting_id);
        await manager.query(
          `UPDATE meeting_agenda SET withdrawn_at = $2, withdrawn_by = $3, withdrawn_reason = $4 WHERE id = $1`,
          [item.id, now, who.name, `withdrawn by the unit: ${body.reason}`],
        );
        await this.history.append(manager, {
          entityType: 'meeting',
          entityId: item.meeting_id,
          action: 'item_withdrawn',
          actor: who.name,
          data: { agendaItemId: item.id, requestId: id, reason: `withdrawn by the unit: ${body.reason}` },
        });
      }
      await manager.query(
        `UPDATE purchase_requests SET status = 'withdrawn', withdrawn_at = $2, withdrawn_by = $3, withdrawn_reason = $4
          WHERE id = $1`,
        [id, now, who.name, body.reason],
      );
      await this.history.append(manager, {
        entityType: 'purchase_request',
        entityId: id,
        action: 'withdrawn',
        actor: who.name,
        data: { reason: body.reason, from: request.status },
      });
      return this.get(id, manager);
    });
  }

  /** The centre's pre-review: unit quota, price per car and engine size, all checked and stored. */
  async preReview(id: string, body: PreReviewDto, who: Principal) {
    return this.db.transaction(async (manager) => {
      const rows: PurchaseRequestRow[] = await manager.query(
        'SELECT * FROM purchase_requests WHERE id = $1 FOR UPDATE',
        [id],
      );
      const request = rows[0];
      if (!request) throw purchaseError('REQUEST_NOT_FOUND', id);
      if (request.status !== 'submitted') throw purchaseError('NOT_AWAITING_PRE_REVIEW', `status ${request.status}`);
      const standard = (await this.standards(manager))[request.category];
      const quota = await checkQuota(manager, request);
      const budget = toCents(request.budget_cny);
      const limit = toCents(standard.priceLimitCny);
      const engine = Number(request.engine_l);
      const checks = {
        quota,
        price: {
          passed: budget <= limit * BigInt(request.count),
          perCarCny: toCny(budget / BigInt(request.count)),
          limitPerCarCny: standard.priceLimitCny,
        },
        engine: { passed: engine <= standard.engineLimitL, engineL: engine, limitL: standard.engineLimitL },
      };
      const passed = checks.quota.passed && checks.price.passed && checks.engine.passed;
      const failed = Object.entries(checks)
        .filter(([, c]) => !c.passed)
        .map(([name]) => name);
      const preReview = { outcome: passed ? 'passed' : 'failed', failed, checks, note: body.note ?? null };
      await manager.query(
        `UPDATE purchase_requests SET status = $2, pre_review = $3, pre_reviewed_by = $4, pre_reviewed_at = now()
          WHERE id = $1`,
        [id, passed ? 'pre_review_passed' : 'pre_review_failed', JSON.stringify(preReview), who.name],
      );
      await this.history.append(manager, {
        entityType: 'purchase_request',
        entityId: id,
        action: passed ? 'pre_review_passed' : 'pre_review_failed',
        actor: who.name,
        data: preReview,
      });
      return this.get(id, manager);
    });
  }
}

/** Unit clerks see their own unit's requests only. */
function onlyOwnUnit(who: Principal): boolean {
  return who.roles.includes('unit') && !who.roles.some((r) => r === 'centre' || r === 'member' || r === 'inspector');
}
