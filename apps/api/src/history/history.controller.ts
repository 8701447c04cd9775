import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { May } from '#app/auth';
import { HistoryService } from '#app/history';
import { CaseFilesService } from '../case-files/case-files.service.js';
import { HistoryQueryDto } from './history.dto.js';

/** The tamper-evident record of every change: read it, and check that nobody rewrote it. */
@ApiTags('history')
@ApiBearerAuth()
@Controller('v1/history')
@May('history.read')
export class HistoryController {
  constructor(
    private readonly history: HistoryService,
    @InjectDataSource() private readonly db: DataSource,
    private readonly files: CaseFilesService,
  ) {}

  /**
   * Recomputes the hash chain (`brokenAt` is the first entry that was edited, or follows a deleted one) and
   * rehashes every evidence file (`evidenceMismatches` lists files whose bytes changed or went missing).
   */
  @Get('verify')
  @May('history.verify')
  async verify() {
    const [result, mismatches] = await Promise.all([this.history.verify(), this.files.mismatches()]);
    const chain = result.ok
      ? { ok: true, entries: result.entries, lastHash: result.lastHash }
      : { ok: false, entries: result.entries, brokenAt: result.brokenAt };
    return { ...chain, ok: chain.ok && mismatches.length === 0, evidenceMismatches: mismatches };
  }

  /**
   * The chain's head (last entry's seq, hash and time) and the line to publish or sign, e.g. in the weekly
   * report or with `openssl dgst -sign`. Comparing a published head with the chain later detects a rewrite of
   * the whole table, which verifying the chain alone cannot.
   */
  @Get('head')
  @May('history.verify')
  async head() {
    const head = await this.history.head();
    return { ...head, statement: `history-head seq=${head.seq} hash=${head.hash} at=${head.at ?? '-'}` };
  }

  /** Entries oldest first, optionally of one record; page on with `afterSeq`. */
  @Get()
  async list(@Query() q: HistoryQueryDto) {
    const where: string[] = ['seq > $1'];
    const params: unknown[] = [q.afterSeq];
    if (q.entityType) where.push(`entity_type = $${params.push(q.entityType)}`);
    if (q.entityId) where.push(`entity_id = $${params.push(q.entityId)}`);
    const rows: { seq: string }[] = await this.db.query(
      `SELECT seq, at, entity_type AS "entityType", entity_id AS "entityId", action, actor, data,
              prev_hash AS "prevHash", hash
       FROM history WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${q.limit}`,
      params,
    );
    const items = rows.map((row) => ({ ...row, seq: Number(row.seq) }));
    return { items, nextAfterSeq: items.length === q.limit ? items[items.length - 1].seq : null };
  }
}
