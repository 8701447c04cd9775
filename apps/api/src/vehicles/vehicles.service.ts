import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { normalizePlate, type VehicleCategory, type VehicleStatus } from '#app/db';
import { HistoryService } from '#app/history';
import { bindingHistory, bindingOn, currentDriver, type Binding, type CardDriver } from '#app/registry';
import { isUniqueViolation } from '../common/db-errors.js';
import type { BindTerminalDto, CreateVehicleDto, ListVehiclesQuery } from './vehicles.dto.js';

interface VehicleRow {
  id: string;
  plate_number: string;
  plate_normalized: string;
  category: VehicleCategory;
  unit_id: string;
  unit_name: string;
  status: VehicleStatus;
  commissioned_on: string;
  decommissioned_on: string | null;
  created_at: Date;
}

export interface VehicleView {
  id: string;
  plateNumber: string;
  plateNormalized: string;
  category: VehicleCategory;
  unitId: string;
  unitName: string;
  status: VehicleStatus;
  commissionedOn: string;
  decommissionedOn: string | null;
  createdAt: Date;
}

export interface VehicleDetail extends VehicleView {
  /** The binding that holds now (open), or null. */
  currentTerminal: { terminalId: string; since: string } | null;
  /** Fix time of the latest accepted position, or null when the car has never reported. */
  lastPositionAt: Date | null;
  lastReceivedAt: Date | null;
  online: boolean;
  /** Who holds the driver card (JT/T 808) now, or null. */
  currentDriver: CardDriver | null;
}

const VEHICLE_SELECT = `
  SELECT v.id, v.plate_number, v.plate_normalized, v.category, v.unit_id, u.name AS unit_name, v.status,
         v.commissioned_on::text AS commissioned_on, v.decommissioned_on::text AS decommissioned_on, v.created_at
    FROM vehicles v JOIN units u ON u.id = v.unit_id`;

function view(row: VehicleRow): VehicleView {
  return {
    id: row.id,
    plateNumber: row.plate_number,
    plateNormalized: row.plate_normalized,
    category: row.category,
    unitId: row.unit_id,
    unitName: row.unit_name,
    status: row.status,
    commissionedOn: row.commissioned_on,
    decommissionedOn: row.decommissioned_on,
    createdAt: row.created_at,
  };
}

/** The dates of an open binding are kept as text so no time zone shifts them. */
interface OpenBindingRow {
  id: string;
  terminal_id: string;
  valid_from: string;
}

/**
 * Cars and their terminal bindings. Every change runs in one transaction that locks the car's row (and the
 * terminal's), so two binds racing for one car or one terminal are decided one after the other.
 */
@Injectable()
export class VehiclesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(body: CreateVehicleDto, actor: Principal): Promise<VehicleView> {
    const normalized = normalizePlate(body.plateNumber);
    return this.db.transaction(async (m) => {
      const [unit] = await m.query('SELECT id FROM units WHERE id = $1', [body.unitId]);
      if (!unit) throw new BadRequestException([`unitId ${body.unitId} is not a known unit`]);
      if (body.purchaseRequestId) await this.checkPurchase(m, body.purchaseRequestId, body.unitId);
      let id: string;
      try {
        [{ id }] = await m.query(
          `INSERT INTO vehicles (plate_number, plate_normalized, category, unit_id, commissioned_on, purchase_request_id)
           VALUES ($1, $2, $3, $4, COALESCE($5::date, CURRENT_DATE), $6) RETURNING id`,
          [
            body.plateNumber.trim(),
            normalized,
            body.category,
            body.unitId,
            body.commissionedOn ?? null,
            body.purchaseRequestId ?? null,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictException(`plateNumber ${normalized} is already registered`);
        }
        throw error;
      }
      const created = await this.findIn(m, id);
      await this.history.append(m, {
        entityType: 'vehicle',
        entityId: id,
        action: 'registered',
        actor: actor.name,
        data: {
          plateNumber: created.plateNumber,
          unitId: created.unitId,
          category: created.category,
          ...(body.purchaseRequestId ? { purchaseRequestId: body.purchaseRequestId } : {}),
        },
      });
      return created;
    });
  }

  /** A car bought under a purchase: the purchase was approved for this unit and still has a car to deliver. */
  private async checkPurchase(m: EntityManager, requestId: string, unitId: string): Promise<void> {
    // Locked, so two registrations cannot both take the last car of a purchase.
    const rows: { unit_id: string; status: string; count: number }[] = await m.query(
      'SELECT unit_id, status, count FROM purchase_requests WHERE id = $1 FOR UPDATE',
      [requestId],
    );
    const request = rows[0];
    const problem = !request
      ? 'is not a known purchase request'
      : request.status !== 'approved'
        ? `is ${request.status}, not approved`
        : request.unit_id !== unitId
          ? 'was approved for another unit'
          : null;
    if (problem) throw new BadRequestException([`purchaseRequestId ${requestId} ${problem}`]);
    const [{ n }] = await m.query('SELECT count(*)::int AS n FROM vehicles WHERE purchase_request_id = $1', [
      requestId,
    ]);
    if (n >= request.count) {
      throw new BadRequestException([`purchaseRequestId ${requestId}: all ${request.count} cars are registered`]);
    }
  }

  async list(
    query: ListVehiclesQuery,
    who?: Principal,
  ): Promise<{ items: VehicleView[]; total: number; page: number; pageSize: number }> {
    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? 50;
    const where: string[] = [];
    const params: unknown[] = [];
    const unitId = query.unitId ?? query.unit;
    if (unitId) where.push(`v.unit_id = $${params.push(unitId)}`);
    const own = who ? ownUnitOnly(who) : null;
    if (own !== null) where.push(`v.unit_id = $${params.push(own)}`);
    if (query.category) where.push(`v.category = $${params.push(query.category)}`);
    if (query.status) where.push(`v.status = $${params.push(query.status)}`);
    if (query.plate) where.push(`v.plate_normalized LIKE '%' || $${params.push(normalizePlate(query.plate))} || '%'`);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM vehicles v ${filter}`, params);
    const rows: VehicleRow[] = await this.db.query(
      `${VEHICLE_SELECT} ${filter} ORDER BY v.plate_normalized
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, pageSize, (page - 1) * pageSize],
    );
    return { items: rows.map(view), total, page, pageSize };
  }

  async detail(id: string, who?: Principal): Promise<VehicleDetail> {
    const vehicle = await this.findIn(this.db.manager, id, who);
    const [binding]: OpenBindingRow[] = await this.db.query(
      `SELECT id, terminal_id, valid_from::text AS valid_from FROM terminal_bindings
        WHERE vehicle_id = $1 AND valid_to IS NULL`,
      [id],
    );
    const [live]: Array<{ fix_time: Date | null; received_at: Date | null; online: boolean }> = await this.db.query(
      `SELECT fix_time, received_at, online FROM vehicle_live
        WHERE vehicle_id = $1 ORDER BY received_at DESC NULLS LAST LIMIT 1`,
      [id],
    );
    const silentFor = live?.received_at ? Date.now() - live.received_at.getTime() : Infinity;
    return {
      ...vehicle,
      currentTerminal: binding ? { terminalId: binding.terminal_id, since: binding.valid_from } : null,
      lastPositionAt: live?.fix_time ?? null,
      lastReceivedAt: live?.received_at ?? null,
      online: Boolean(live?.online) && silentFor <= this.config.ingest.offlineAfterSeconds * 1000,
      currentDriver: await currentDriver(this.db, id),
    };
  }

  async decommission(id: string, date: string, actor: Principal): Promise<VehicleView> {
    return this.db.transaction(async (m) => {
      const vehicle = await this.lockVehicle(m, id);
      if (vehicle.status === 'decommissioned') {
        throw new ConflictException(
          `vehicle ${vehicle.plate_number} was already decommissioned on ${vehicle.decommissioned_on}`,
        );
      }
      if (date < vehicle.commissioned_on) {
        throw new BadRequestException([
          `date must not be before the car was commissioned (${vehicle.commissioned_on})`,
        ]);
      }
      const open = await this.openBinding(m, id);
      if (open && date < open.valid_from) {
        throw new BadRequestException([
          `date must not be before the current terminal binding began (${open.valid_from})`,
        ]);
      }
      if (open) await m.query('UPDATE terminal_bindings SET valid_to = $2 WHERE id = $1', [open.id, date]);
      await m.query(`UPDATE vehicles SET status = 'decommissioned', decommissioned_on = $2 WHERE id = $1`, [id, date]);
      await this.history.append(m, {
        entityType: 'vehicle',
        entityId: id,
        action: 'decommissioned',
        actor: actor.name,
        data: { date, closedBinding: open ? { terminalId: open.terminal_id, validFrom: open.valid_from } : null },
      });
      return this.findIn(m, id);
    });
  }

  async bind(id: string, body: BindTerminalDto, actor: Principal): Promise<Binding> {
    return this.db.transaction(async (m) => {
      // Car first, then terminal: every path takes the locks in this order, so they cannot deadlock.
      const vehicle = await this.lockVehicle(m, id);
      const [terminal]: Array<{ terminal_id: string; active: boolean }> = await m.query(
        'SELECT terminal_id, active FROM terminals WHERE terminal_id = $1 FOR UPDATE',
        [body.terminalId],
      );
      if (!terminal) throw new BadRequestException([`terminalId ${body.terminalId} is not a known terminal`]);
      if (vehicle.status === 'decommissioned') {
        throw new ConflictException(
          `vehicle ${vehicle.plate_number} was decommissioned on ${vehicle.decommissioned_on} and cannot be bound`,
        );
      }
      if (!terminal.active) {
        throw new ConflictException(`terminal ${body.terminalId} is inactive and cannot be bound`);
      }
      const carOpen = await this.openBinding(m, id);
      if (carOpen) {
        throw new ConflictException(
          `vehicle ${vehicle.plate_number} already has terminal ${carOpen.terminal_id} bound since ${carOpen.valid_from}; unbind it first`,
        );
      }
      const [terminalOpen]: Array<{ valid_from: string; plate_number: string }> = await m.query(
        `SELECT b.valid_from::text AS valid_from, v.plate_number FROM terminal_bindings b
           JOIN vehicles v ON v.id = b.vehicle_id
          WHERE b.terminal_id = $1 AND b.valid_to IS NULL`,
        [body.terminalId],
      );
      if (terminalOpen) {
        throw new ConflictException(
          `terminal ${body.terminalId} is bound to vehicle ${terminalOpen.plate_number} since ${terminalOpen.valid_from}; unbind it first`,
        );
      }
      // valid_to is inclusive: a new binding starts the day after the previous one of the car or terminal ended.
      const [last]: Array<{ car_end: string | null; terminal_end: string | null }> = await m.query(
        `SELECT (SELECT max(valid_to)::text FROM terminal_bindings WHERE vehicle_id = $1) AS car_end,
                (SELECT max(valid_to)::text FROM terminal_bindings WHERE terminal_id = $2) AS terminal_end`,
        [id, body.terminalId],
      );
      const problems: string[] = [];
      if (last.car_end && body.from <= last.car_end) {
        problems.push(`from must be after ${last.car_end}, the last day of this car's previous binding`);
      }
      if (last.terminal_end && body.from <= last.terminal_end) {
        problems.push(`from must be after ${last.terminal_end}, the last day of this terminal's previous binding`);
      }
      if (problems.length) throw new BadRequestException(problems);
      let bindingId: string;
      try {
        [{ id: bindingId }] = await m.query(
          `INSERT INTO terminal_bindings (vehicle_id, terminal_id, valid_from) VALUES ($1, $2, $3) RETURNING id`,
          [id, body.terminalId, body.from],
        );
      } catch (error) {
        // The partial unique indexes are the last word should a writer bypass this service.
        if (isUniqueViolation(error)) {
          throw new ConflictException(
            `vehicle ${vehicle.plate_number} or terminal ${body.terminalId} is already bound`,
          );
        }
        throw error;
      }
      await this.history.append(m, {
        entityType: 'vehicle',
        entityId: id,
        action: 'terminal-bound',
        actor: actor.name,
        data: { terminalId: body.terminalId, from: body.from },
      });
      return { id: bindingId, vehicleId: id, terminalId: body.terminalId, validFrom: body.from, validTo: null };
    });
  }

  async unbind(id: string, to: string, actor: Principal): Promise<Binding> {
    return this.db.transaction(async (m) => {
      const vehicle = await this.lockVehicle(m, id);
      const open = await this.openBinding(m, id);
      if (!open) throw new ConflictException(`vehicle ${vehicle.plate_number} has no bound terminal`);
      if (to < open.valid_from) {
        throw new BadRequestException([`to must not be before the binding began (${open.valid_from})`]);
      }
      await m.query('UPDATE terminal_bindings SET valid_to = $2 WHERE id = $1', [open.id, to]);
      await this.history.append(m, {
        entityType: 'vehicle',
        entityId: id,
        action: 'terminal-unbound',
        actor: actor.name,
        data: { terminalId: open.terminal_id, from: open.valid_from, to },
      });
      return { id: open.id, vehicleId: id, terminalId: open.terminal_id, validFrom: open.valid_from, validTo: to };
    });
  }

  async bindings(id: string, on?: string, who?: Principal): Promise<Binding[]> {
    await this.findIn(this.db.manager, id, who);
    if (on) {
      const binding = await bindingOn(this.db, id, on);
      return binding ? [binding] : [];
    }
    return bindingHistory(this.db, id);
  }

  /** A car of another unit does not exist for a unit clerk: the same 404, so ids cannot be probed. */
  private async findIn(m: EntityManager, id: string, who?: Principal): Promise<VehicleView> {
    const [row]: VehicleRow[] = await m.query(`${VEHICLE_SELECT} WHERE v.id = $1`, [id]);
    const own = who ? ownUnitOnly(who) : null;
    if (!row || (own !== null && row.unit_id !== own)) throw new NotFoundException(`vehicle ${id} does not exist`);
    return view(row);
  }

  private async lockVehicle(m: EntityManager, id: string) {
    const [row]: Array<{
      plate_number: string;
      status: VehicleStatus;
      commissioned_on: string;
      decommissioned_on: string | null;
    }> = await m.query(
      `SELECT plate_number, status, commissioned_on::text AS commissioned_on,
              decommissioned_on::text AS decommissioned_on
         FROM vehicles WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!row) throw new NotFoundException(`vehicle ${id} does not exist`);
    return row;
  }

  private async openBinding(m: EntityManager, id: string): Promise<OpenBindingRow | undefined> {
    const [row]: OpenBindingRow[] = await m.query(
      `SELECT id, terminal_id, valid_from::text AS valid_from FROM terminal_bindings
        WHERE vehicle_id = $1 AND valid_to IS NULL`,
      [id],
    );
    return row;
  }
}

/** No unit: a clerk without a unit sees no car. */
const NO_UNIT = '00000000-0000-0000-0000-000000000000';

/**
 * The one unit whose cars a caller may see, or null for all: unit clerks see only their own unit's cars;
 * the centre, inspectors, finance and admins see every car.
 */
function ownUnitOnly(who: Principal): string | null {
  const seesAll = who.roles.some((r) => r === 'admin' || r === 'centre' || r === 'inspector' || r === 'finance');
  return seesAll ? null : (who.unitId ?? NO_UNIT);
}
