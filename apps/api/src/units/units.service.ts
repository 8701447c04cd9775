import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '#app/auth';
import { HistoryService } from '#app/history';
import { conflictOnUnique } from '../common/db-errors.js';
import type { CreateUnitDto } from './units.dto.js';

export interface UnitView {
  id: string;
  name: string;
  vehicleQuota: number;
  /** Cars in service (not decommissioned), to compare with the quota. */
  vehicleCount: number;
  createdAt: Date;
}

const UNIT_SELECT = `
  SELECT u.id, u.name, u.vehicle_quota AS "vehicleQuota", u.created_at AS "createdAt",
         (SELECT count(*)::int FROM vehicles v WHERE v.unit_id = u.id AND v.status = 'active') AS "vehicleCount"
    FROM units u`;

@Injectable()
export class UnitsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  create(body: CreateUnitDto, actor: Principal): Promise<UnitView> {
    const work = this.db.transaction(async (m) => {
      const [{ id }] = await m.query('INSERT INTO units (name, vehicle_quota) VALUES ($1, $2) RETURNING id', [
        body.name.trim(),
        body.vehicleQuota,
      ]);
      await this.history.append(m, {
        entityType: 'unit',
        entityId: id,
        action: 'created',
        actor: actor.name,
        data: { name: body.name.trim(), vehicleQuota: body.vehicleQuota },
      });
      const [unit]: UnitView[] = await m.query(`${UNIT_SELECT} WHERE u.id = $1`, [id]);
      return unit;
    });
    return conflictOnUnique(work, `name ${body.name.trim()} is already a unit`);
  }

  list(): Promise<UnitView[]> {
    return this.db.query(`${UNIT_SELECT} ORDER BY u.name`);
  }

  async get(id: string): Promise<UnitView> {
    const [unit]: UnitView[] = await this.db.query(`${UNIT_SELECT} WHERE u.id = $1`, [id]);
    if (!unit) throw new NotFoundException(`unit ${id} does not exist`);
    return unit;
  }
}
