import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { HistoryService, type ChainHead } from '#app/history';
import { rootLogger, type Logger } from '#app/logging';
import type { ServiceWarning } from '../calendar/calendar.service.js';

/** What the last verification found; null before the first one has finished. */
export interface ChainCheck {
  at: string;
  ok: boolean;
  entries: number;
  head: ChainHead;
  warnings: ServiceWarning[];
}

/**
 * Re-verifies the history's hash chain every HISTORY_VERIFY_SECONDS and raises an alarm (an error log line
 * and a warning in GET /api/health) when it no longer holds.
 *
 * A rewrite of the whole table, hashes recomputed, verifies as a chain; what it cannot reproduce is a head
 * seen before. So each verified head is also appended to a file outside the database (HISTORY_HEADS_FILE),
 * and every run checks that all heads recorded there are still in the chain. The same head is what
 * GET /api/v1/history/head exports for publishing or signing elsewhere.
 */
@Injectable()
export class ChainWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<ChainCheck>;
  private last: ChainCheck | null = null;

  constructor(
    private readonly history: HistoryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.logger = rootLogger().child({ component: 'history-chain' }, { level: config.logLevel });
  }

  onApplicationBootstrap(): void {
    if (this.config.historyVerifySeconds === 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.config.historyVerifySeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** The warnings of the latest verification (none before the first has run). */
  warnings(): ServiceWarning[] {
    return this.last?.warnings ?? [];
  }

  lastCheck(): ChainCheck | null {
    return this.last;
  }

  /** Verifies now; a call while a run is under way waits for that run. */
  runOnce(): Promise<ChainCheck> {
    this.running ??= this.verify().finally(() => (this.running = undefined));
    return this.running;
  }

  private async verify(): Promise<ChainCheck> {
    const warnings: ServiceWarning[] = [];
    let result;
    try {
      result = await this.history.verify();
    } catch (error) {
      // The database being down is health's own answer; keep what the last run found.
      this.logger.warn({ err: error }, 'the history chain could not be verified');
      return this.last ?? { at: new Date().toISOString(), ok: true, entries: 0, head: emptyHead(), warnings: [] };
    }
    if (!result.ok) {
      warnings.push({
        code: 'HISTORY_CHAIN_BROKEN',
        message:
          `the history's hash chain is broken at entry ${result.brokenAt.seq} (${result.brokenAt.reason}): ` +
          'an entry was edited or deleted in the database; GET /api/v1/history/verify shows where',
      });
    }
    const recorded = await this.recordedHeads();
    const mismatches = await this.history.matchesHeads(recorded);
    if (mismatches.length > 0) {
      const first = mismatches[0];
      warnings.push({
        code: 'HISTORY_HEAD_MISMATCH',
        message:
          `${mismatches.length} chain head(s) recorded earlier are no longer in the history (first: entry ${first.seq} ` +
          `was ${first.expected}, now ${first.found ?? 'missing'}): the history table was rewritten or truncated`,
      });
    }
    const head = await this.history.head();
    if (warnings.length === 0 && head.seq > 0 && recorded.at(-1)?.seq !== head.seq) {
      await this.recordHead(head);
    }
    for (const warning of warnings) this.logger.error({ code: warning.code }, warning.message);
    this.last = { at: new Date().toISOString(), ok: warnings.length === 0, entries: result.entries, head, warnings };
    return this.last;
  }

  private async recordedHeads(): Promise<{ seq: number; hash: string }[]> {
    let text: string;
    try {
      text = await readFile(this.config.historyHeadsFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const heads: { seq: number; hash: string }[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const head = JSON.parse(line) as { seq: unknown; hash: unknown };
        if (typeof head.seq === 'number' && typeof head.hash === 'string')
          heads.push({ seq: head.seq, hash: head.hash });
      } catch {
        // A torn last line (a crash while appending) is skipped; the next run appends a whole one.
      }
    }
    return heads;
  }

  private async recordHead(head: ChainHead): Promise<void> {
    try {
      await mkdir(dirname(this.config.historyHeadsFile), { recursive: true });
      await appendFile(this.config.historyHeadsFile, `${JSON.stringify(head)}\n`);
    } catch (error) {
      this.logger.warn({ err: error, file: this.config.historyHeadsFile }, 'the chain head could not be recorded');
    }
  }
}

function emptyHead(): ChainHead {
  return { seq: 0, hash: '0'.repeat(64), at: null };
}
