import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import { hashSecret, newSecret } from '#app/crypto';
import { HistoryService } from '#app/history';
import { conflictOnUnique } from '../common/db-errors.js';
import type { CreateTerminalDto } from './terminals.dto.js';

export interface TerminalView {
  terminalId: string;
  model: string | null;
  active: boolean;
  createdAt: Date;
  /** The car the terminal sits in now, or null. */
  vehicleId: string | null;
  plateNumber: string | null;
  boundSince: string | null;
}

const TERMINAL_SELECT = `
  SELECT t.terminal_id AS "terminalId", t.model, t.active, t.created_at AS "createdAt",
         b.vehicle_id AS "vehicleId", v.plate_number AS "plateNumber", b.valid_from::text AS "boundSince"
    FROM terminals t
    LEFT JOIN terminal_bindings b ON b.terminal_id = t.terminal_id AND b.valid_to IS NULL
    LEFT JOIN vehicles v ON v.id = b.vehicle_id`;

@Injectable()
export class TerminalsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  /** Registers a terminal; its MQTT secret is returned here once and only its hash is kept. */
  create(body: CreateTerminalDto, actor: Principal): Promise<TerminalView & { secret: string }> {
    const secret = newSecret();
    const work = this.db.transaction(async (m) => {
      await m.query('INSERT INTO terminals (terminal_id, secret_hash, model) VALUES ($1, $2, $3)', [
        body.terminalId,
        hashSecret(secret),
        body.model ?? null,
      ]);
      await this.history.append(m, {
        entityType: 'terminal',
        entityId: body.terminalId,
        action: 'registered',
        actor: actor.name,
        data: { model: body.model ?? null },
      });
      return this.findIn(m, body.terminalId);
    });
    return conflictOnUnique(work, `terminalId ${body.terminalId} is already registered`).then((t) => ({
      ...t,
      secret,
    }));
  }

  list(): Promise<TerminalView[]> {
    return this.db.query(`${TERMINAL_SELECT} ORDER BY t.terminal_id`);
  }

  get(terminalId: string): Promise<TerminalView> {
    return this.findIn(this.db.manager, terminalId);
  }

  setActive(terminalId: string, active: boolean, actor: Principal): Promise<TerminalView> {
    return this.db.transaction(async (m) => {
      const [row] = await m.query('SELECT active FROM terminals WHERE terminal_id = $1 FOR UPDATE', [terminalId]);
      if (!row) throw new NotFoundException(`terminal ${terminalId} does not exist`);
      if (row.active !== active) {
        await m.query('UPDATE terminals SET active = $2 WHERE terminal_id = $1', [terminalId, active]);
        await this.history.append(m, {
          entityType: 'terminal',
          entityId: terminalId,
          action: active ? 'activated' : 'deactivated',
          actor: actor.name,
          data: { active },
        });
      }
      return this.findIn(m, terminalId);
    });
  }

  private async findIn(m: EntityManager, terminalId: string): Promise<TerminalView> {
    const [row]: TerminalView[] = await m.query(`${TERMINAL_SELECT} WHERE t.terminal_id = $1`, [terminalId]);
    if (!row) throw new NotFoundException(`terminal ${terminalId} does not exist`);
    return row;
  }
}

/** Path ids are checked like body ids, so `/terminals/a b` is a 400 naming the field. */
export function checkTerminalId(id: string, pattern: RegExp): string {
  if (!pattern.test(id)) throw new BadRequestException(['id must be 1 to 32 letters, digits, _ or -']);
  return id;
}
