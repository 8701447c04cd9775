import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { returnedRows } from '#app/db';
import { HistoryService } from '#app/history';
import { INFRA, type Infrastructure } from '#app/infra';
import { MSG, TEXT_FLAG, textMessageBody, vehicleControlBody, type Edition, type TerminalResponse } from '#app/jt808';
import { rootLogger, type Logger } from '#app/logging';
import { Jt808ListenerService } from './jt808-listener.service.js';

/** Channel the API notifies when a command is ready to go (payload: the terminal id). */
const CHANNEL = 'terminal_commands';
const SWEEP_MS = 10_000;
const ACTOR = 'system:gateway';

interface CommandRow {
  id: string;
  terminal_id: string;
  kind: 'text' | 'position_query' | 'vehicle_control';
  params: { text?: string; tts?: boolean; lockDoors?: boolean };
}

/** The platform message that carries a command, in the terminal's edition. */
export function commandMessage(
  row: Pick<CommandRow, 'kind' | 'params'>,
  edition: Edition,
): { msgId: number; body: Buffer } {
  switch (row.kind) {
    case 'text':
      return {
        msgId: MSG.TEXT_MESSAGE,
        body: textMessageBody(
          row.params.text ?? '',
          TEXT_FLAG.DISPLAY | (row.params.tts === false ? 0 : TEXT_FLAG.TTS),
          edition,
        ),
      };
    case 'position_query':
      return { msgId: MSG.LOCATION_QUERY, body: Buffer.alloc(0) };
    case 'vehicle_control':
      return { msgId: MSG.VEHICLE_CONTROL, body: vehicleControlBody(row.params.lockDoors === true, edition) };
  }
}

/**
 * Sends queued commands to connected JT/T 808 terminals (at once when the API says one is ready, when the
 * terminal signs on, and every 10 s), records each sending and the terminal's reply in the tamper-evident
 * history, and expires what was not delivered in time.
 */
@Injectable()
export class CommandDispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log: Logger;
  private listenClient?: pg.Client;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private detach: (() => void)[] = [];
  private stopped = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INFRA) private readonly infra: Infrastructure,
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    private readonly listener: Jt808ListenerService,
  ) {
    this.log = rootLogger(config.logLevel).child({ component: 'jt808-commands' });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.jt808Port === 0) return;
    this.detach.push(
      this.listener.onAuthenticated((terminalId) => this.dispatch(terminalId)),
      this.listener.onTerminalResponse((terminalId, response) => this.answered(terminalId, response)),
    );
    const client = new pg.Client({ connectionString: this.infra.databaseUrl });
    client.on('error', (error) => this.log.warn({ err: error }, 'command notification connection lost'));
    client.on('notification', (n) => this.dispatch(n.payload || undefined));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listenClient = client;
    this.timer = setInterval(() => this.dispatch(), SWEEP_MS);
    this.timer.unref();
    this.dispatch();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const d of this.detach) d();
    await this.chain;
    await this.listenClient?.end().catch(() => undefined);
  }

  /** Sends what is queued (for one terminal, or all); one pass at a time. */
  dispatch(terminalId?: string): void {
    this.chain = this.chain
      .then(() => (this.stopped ? undefined : this.sendDue(terminalId)))
      .catch((error: unknown) => this.log.error({ err: error }, 'sending commands failed'));
  }

  private async sendDue(terminalId?: string): Promise<void> {
    const expired = returnedRows<{ id: string }>(
      await this.db.query(
        `UPDATE terminal_commands SET status = 'expired'
        WHERE status IN ('awaiting_confirmation', 'queued', 'sent') AND expires_at < now() RETURNING id`,
      ),
    );
    for (const { id } of expired) {
      await this.db.transaction((m) =>
        this.history.append(m, {
          entityType: 'terminal_command',
          entityId: id,
          action: 'expired',
          actor: ACTOR,
          data: null,
        }),
      );
    }
    const rows: CommandRow[] = await this.db.query(
      `SELECT id, terminal_id, kind, params FROM terminal_commands
        WHERE status = 'queued' AND ($1::text IS NULL OR terminal_id = $1) ORDER BY created_at`,
      [terminalId ?? null],
    );
    for (const row of rows) {
      const connection = this.listener.connectionOf(row.terminal_id);
      const edition = connection?.edition;
      if (!connection || !edition) continue;
      const { msgId, body } = commandMessage(row, edition);
      await this.db.transaction(async (m) => {
        const claimed = returnedRows(
          await m.query(
            `UPDATE terminal_commands SET status = 'sent', sent_at = now(), msg_id = $2 WHERE id = $1 AND status = 'queued' RETURNING id`,
            [row.id, msgId],
          ),
        );
        if (claimed.length === 0) return;
        // Sent inside the transaction so the serial is stored with it; a failed commit leaves the terminal with a
        // command the platform has no record of being sent, and it is sent again (commands are idempotent).
        const serial = connection.send(msgId, body);
        if (serial === null) throw new Error('the terminal went away');
        await m.query('UPDATE terminal_commands SET serial = $2 WHERE id = $1', [row.id, serial]);
        await this.history.append(m, {
          entityType: 'terminal_command',
          entityId: row.id,
          action: 'sent',
          actor: ACTOR,
          data: { terminalId: row.terminal_id, msgId: `0x${msgId.toString(16).padStart(4, '0')}`, serial },
        });
      });
      this.log.info({ terminalId: row.terminal_id, command: row.id, kind: row.kind }, 'command sent to the terminal');
    }
  }

  /** The terminal's 0x0001 (or 0x0201 for a position query): the command it answers is recorded as answered. */
  private answered(terminalId: string, response: TerminalResponse): void {
    this.chain = this.chain
      .then(() =>
        this.db.transaction(async (m) => {
          const rows = returnedRows<{ id: string }>(
            await m.query(
              `UPDATE terminal_commands SET status = 'answered', result = $4, answered_at = now()
              WHERE terminal_id = $1 AND serial = $2 AND msg_id = $3 AND status = 'sent' RETURNING id`,
              [terminalId, response.ackSerial, response.ackMsgId, response.result],
            ),
          );
          for (const { id } of rows) {
            await this.history.append(m, {
              entityType: 'terminal_command',
              entityId: id,
              action: 'answered',
              actor: `terminal:${terminalId}`,
              data: { result: response.result },
            });
          }
        }),
      )
      .catch((error: unknown) => this.log.error({ err: error }, 'recording a terminal reply failed'));
  }
}
