import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '#app/auth';
import { hashSecret, newSecret } from '#app/crypto';
import { HistoryService } from '#app/history';
import { BrokerAccountError, INFRA, type Infrastructure } from '#app/infra';
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
  private readonly log = new Logger('Terminals');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  /**
   * Registers a terminal; its MQTT secret is returned here once and only its hash is kept. With an external
   * Mosquitto's dynamic security, the broker account is made before the registration commits: a terminal
   * the registry accepted can publish at once, and one the broker refused is not registered.
   */
  create(body: CreateTerminalDto, actor: Principal): Promise<TerminalView & { secret: string }> {
    const secret = newSecret();
    let brokerAccountMade = false;
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
      const view = await this.findIn(m, body.terminalId);
      await this.broker((accounts) => accounts.addTerminal(body.terminalId, secret));
      brokerAccountMade = true;
      return view;
    });
    const undoBrokerAccount = async (error: unknown) => {
      if (brokerAccountMade) {
        await this.broker((accounts) => accounts.removeTerminal(body.terminalId)).catch(() => undefined);
      }
      throw error;
    };
    return conflictOnUnique(work.catch(undoBrokerAccount), `terminalId ${body.terminalId} is already registered`).then(
      (t) => ({ ...t, secret }),
    );
  }

  /** Issues a new secret (the old one stops working at once); shown in this answer only. */
  rotateSecret(terminalId: string, actor: Principal): Promise<{ terminalId: string; secret: string }> {
    const secret = newSecret();
    return this.db.transaction(async (m) => {
      const [row] = await m.query('SELECT active FROM terminals WHERE terminal_id = $1 FOR UPDATE', [terminalId]);
      if (!row) throw new NotFoundException(`terminal ${terminalId} does not exist`);
      await m.query('UPDATE terminals SET secret_hash = $2 WHERE terminal_id = $1', [terminalId, hashSecret(secret)]);
      await this.history.append(m, {
        entityType: 'terminal',
        entityId: terminalId,
        action: 'secret-rotated',
        actor: actor.name,
        data: {},
      });
      await this.broker(async (accounts) => {
        await accounts.addTerminal(terminalId, secret);
        if (!row.active) await accounts.setTerminalEnabled(terminalId, false);
      });
      return { terminalId, secret };
    });
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
        await this.broker((accounts) => accounts.setTerminalEnabled(terminalId, active));
      }
      return this.findIn(m, terminalId);
    });
  }

  /** Runs a change on the broker's accounts when the deployment has them; a refusal is a 503, not a 500. */
  private async broker(change: (accounts: NonNullable<Infrastructure['brokerAccounts']>) => Promise<void>) {
    const accounts = this.infra.brokerAccounts;
    if (!accounts) return;
    try {
      await change(accounts);
    } catch (error) {
      const reason = error instanceof BrokerAccountError ? error.message : 'the broker did not answer';
      this.log.warn(`terminal account change not taken: ${reason}`);
      throw new ServiceUnavailableException(`${reason}; nothing was changed, try again`);
    }
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
