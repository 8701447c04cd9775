import { createServer, type AddressInfo, type Server } from 'node:net';
import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import pg from 'pg';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { INFRA, type Infrastructure } from '#app/infra';
import type { TerminalResponse } from '#app/jt808';
import { rootLogger, type Logger } from '#app/logging';
import { IngestService } from '../ingest/ingest.service.js';
import { Jt808Connection } from './connection.js';
import { SignOnStore } from './sign-on.js';

/** Terminals that say nothing for this long are disconnected (heartbeats come every minute or so). */
const IDLE_TIMEOUT_MS = 10 * 60_000;

/**
 * The JT/T 808 TCP listener (terminal-jt808.md): both editions on one port, feeding the same ingest pipeline
 * as MQTT. Stopping takes no new connection and reads nothing more, lets the pipeline commit and acknowledge
 * what it holds, and only then closes the connections.
 */
@Injectable()
export class Jt808ListenerService implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly log: Logger;
  private readonly pool: pg.Pool;
  private readonly signOn: SignOnStore;
  private server?: Server;
  private readonly connections = new Set<Jt808Connection>();
  private readonly byTerminal = new Map<string, Jt808Connection>();
  private readonly responseListeners = new Set<(terminalId: string, response: TerminalResponse) => void>();
  private readonly authListeners = new Set<(terminalId: string) => void>();
  private ticker?: NodeJS.Timeout;
  private detachResume?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INFRA) infra: Infrastructure,
    private readonly ingest: IngestService,
  ) {
    this.log = rootLogger(config.logLevel).child({ component: 'jt808' });
    this.pool = new pg.Pool({ connectionString: infra.databaseUrl, max: 2, connectionTimeoutMillis: 5_000 });
    this.pool.on('error', (error) => this.log.warn({ err: error }, 'idle database connection lost'));
    this.signOn = new SignOnStore(this.pool);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.jt808Port === 0) return;
    this.detachResume = this.ingest.onResume(() => {
      for (const connection of this.connections) connection.resume();
    });
    const server = createServer({ noDelay: true }, (socket) => {
      socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy());
      socket.on('error', (error) => this.log.debug({ err: error }, 'JT/T 808 connection error'));
      const connection = new Jt808Connection(socket, {
        submit: (message) => this.ingest.submit(message),
        signOn: this.signOn,
        log: this.log,
        authenticated: (terminalId, c) => {
          const previous = this.byTerminal.get(terminalId);
          if (previous && previous !== c) previous.socket.destroy();
          this.byTerminal.set(terminalId, c);
          for (const listener of this.authListeners) listener(terminalId);
        },
        terminalResponse: (terminalId, response) => {
          for (const listener of this.responseListeners) listener(terminalId, response);
        },
      });
      this.connections.add(connection);
      socket.once('close', () => {
        this.connections.delete(connection);
        if (connection.terminalId && this.byTerminal.get(connection.terminalId) === connection) {
          this.byTerminal.delete(connection.terminalId);
        }
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.config.jt808Host, port: this.config.jt808Port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log.error({ err: error }, 'JT/T 808 listener error'));
    this.log.info({ host: this.config.jt808Host, port: this.port }, 'JT/T 808 listener ready');
    this.ticker = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) connection.tick(now);
    }, 1000);
    this.ticker.unref();
  }

  /** The port listened on (null when off). */
  get port(): number | null {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? address.port : null;
  }

  /** The connection of an authenticated terminal, if it is connected now. */
  connectionOf(terminalId: string): Jt808Connection | undefined {
    const connection = this.byTerminal.get(terminalId);
    return connection?.alive ? connection : undefined;
  }

  onTerminalResponse(listener: (terminalId: string, response: TerminalResponse) => void): () => void {
    this.responseListeners.add(listener);
    return () => this.responseListeners.delete(listener);
  }

  onAuthenticated(listener: (terminalId: string) => void): () => void {
    this.authListeners.add(listener);
    return () => this.authListeners.delete(listener);
  }

  onModuleDestroy(): void {
    clearInterval(this.ticker);
    this.detachResume?.();
    this.server?.close();
    // Nothing more is read; what was read is committed and acknowledged by the pipeline's own stop.
    for (const connection of this.connections) connection.socket.pause();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const connection of this.connections) connection.socket.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const connection of this.connections) connection.socket.destroy();
    await this.pool.end();
  }
}
