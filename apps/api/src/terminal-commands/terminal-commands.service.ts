import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Principal } from '#app/auth';
import { HistoryService } from '#app/history';
import { encodeGbk } from '#app/jt808';
import type { CreateCommandDto } from './terminal-commands.dto.js';

export interface CommandView {
  id: string;
  vehicleId: string;
  terminalId: string;
  kind: string;
  params: Record<string, unknown>;
  reason: string | null;
  requestedBy: string;
  confirmedBy: string | null;
  status: string;
  result: number | null;
  createdAt: Date;
  expiresAt: Date;
  sentAt: Date | null;
  answeredAt: Date | null;
}

const SELECT = `
  SELECT id, vehicle_id AS "vehicleId", terminal_id AS "terminalId", kind, params, reason,
         requested_by AS "requestedBy", confirmed_by AS "confirmedBy", status, result,
         created_at AS "createdAt", expires_at AS "expiresAt", sent_at AS "sentAt", answered_at AS "answeredAt"
    FROM terminal_commands`;

/** Channel the gateway listens on for commands ready to go. */
export const COMMANDS_CHANNEL = 'terminal_commands';

/**
 * Commands to a car's terminal (terminal-jt808.md, "Commands to terminals"): each request, confirmation and
 * the terminal's reply go into the tamper-evident history. Vehicle control waits for a second person.
 */
@Injectable()
export class TerminalCommandsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  create(vehicleId: string, body: CreateCommandDto, actor: Principal): Promise<CommandView> {
    const params: Record<string, unknown> = {};
    if (body.kind === 'text') {
      if (!body.text) throw new BadRequestException('text is required for a text command');
      if (encodeGbk(body.text).length > 1000) throw new BadRequestException('text is over 1,000 bytes in GBK');
      params.text = body.text;
      params.tts = body.tts ?? true;
    }
    if (body.kind === 'vehicle_control') {
      if (body.lockDoors === undefined) throw new BadRequestException('lockDoors is required for vehicle control');
      if (!body.reason) throw new BadRequestException('reason is required for vehicle control');
      params.lockDoors = body.lockDoors;
    }
    const status = body.kind === 'vehicle_control' ? 'awaiting_confirmation' : 'queued';
    return this.db.transaction(async (m) => {
      const [binding] = await m.query(
        `SELECT b.terminal_id FROM vehicles v
           LEFT JOIN terminal_bindings b ON b.vehicle_id = v.id AND b.valid_to IS NULL
          WHERE v.id = $1`,
        [vehicleId],
      );
      if (!binding) throw new NotFoundException(`vehicle ${vehicleId} does not exist`);
      if (!binding.terminal_id) throw new ConflictException(`vehicle ${vehicleId} has no terminal`);
      const [{ id }] = await m.query(
        `INSERT INTO terminal_commands (vehicle_id, terminal_id, kind, params, reason, requested_by, status, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(hours => $8)) RETURNING id`,
        [
          vehicleId,
          binding.terminal_id,
          body.kind,
          params,
          body.reason ?? null,
          actor.name,
          status,
          body.expiresInHours ?? 24,
        ],
      );
      await this.history.append(m, {
        entityType: 'terminal_command',
        entityId: id,
        action: 'requested',
        actor: actor.name,
        data: { vehicleId, terminalId: binding.terminal_id, kind: body.kind, params, reason: body.reason ?? null },
      });
      if (status === 'queued') await m.query(`SELECT pg_notify($1, $2)`, [COMMANDS_CHANNEL, binding.terminal_id]);
      return this.find(m.query.bind(m), id);
    });
  }

  /** The second person's confirmation of a vehicle-control command. */
  confirm(id: string, actor: Principal): Promise<CommandView> {
    return this.db.transaction(async (m) => {
      const [row] = await m.query('SELECT * FROM terminal_commands WHERE id = $1 FOR UPDATE', [id]);
      if (!row) throw new NotFoundException(`command ${id} does not exist`);
      if (row.status !== 'awaiting_confirmation') throw new ConflictException(`command ${id} is ${row.status}`);
      if (row.requested_by === actor.name) {
        throw new ForbiddenException('the confirmation must come from another person than the request');
      }
      await m.query(`UPDATE terminal_commands SET status = 'queued', confirmed_by = $2 WHERE id = $1`, [
        id,
        actor.name,
      ]);
      await this.history.append(m, {
        entityType: 'terminal_command',
        entityId: id,
        action: 'confirmed',
        actor: actor.name,
        data: { requestedBy: row.requested_by },
      });
      await m.query(`SELECT pg_notify($1, $2)`, [COMMANDS_CHANNEL, row.terminal_id]);
      return this.find(m.query.bind(m), id);
    });
  }

  get(id: string): Promise<CommandView> {
    return this.find(this.db.query.bind(this.db), id);
  }

  list(vehicleId: string): Promise<CommandView[]> {
    return this.db.query(`${SELECT} WHERE vehicle_id = $1 ORDER BY created_at DESC LIMIT 200`, [vehicleId]);
  }

  private async find(
    query: (sql: string, params: unknown[]) => Promise<CommandView[]>,
    id: string,
  ): Promise<CommandView> {
    const [row] = await query(`${SELECT} WHERE id = $1`, [id]);
    if (!row) throw new NotFoundException(`command ${id} does not exist`);
    return row;
  }
}
