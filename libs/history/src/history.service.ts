import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { canonicalJson } from './canonical-json.js';

export const GENESIS_HASH = '0'.repeat(64);
/** Serialises appends so each entry links to the one committed just before it. */
export const HISTORY_LOCK = 7_340_010;

export interface HistoryEntry {
  entityType: string;
  entityId: string;
  action: string;
  /** Who did it: a user name, an API key name or `system:<app>`. */
  actor: string;
  data: unknown;
}

interface HistoryRow {
  seq: string;
  at: Date;
  entity_type: string;
  entity_id: string;
  action: string;
  actor: string;
  data: unknown;
  prev_hash: string;
  hash: string;
}

/** The last entry of the chain (seq 0 and the genesis hash while it is empty). */
export interface ChainHead {
  seq: number;
  hash: string;
  at: string | null;
}

export type HistoryVerification =
  | { ok: true; entries: number; lastHash: string }
  | { ok: false; entries: number; brokenAt: { seq: number; reason: 'hash-mismatch' | 'link-mismatch' } };

/** One entry as stored: the entry, when, the hash it links to and its own hash. */
export interface ChainedEntry extends HistoryEntry {
  at: Date;
  prevHash: string;
  hash: string;
}

/** Links entries in order after `prevHash` (the chain's head), all at one time. */
export function chainEntries(prevHash: string, at: Date, entries: HistoryEntry[]): ChainedEntry[] {
  const chained: ChainedEntry[] = [];
  for (const entry of entries) {
    const hash = entryHash(prevHash, at, entry);
    chained.push({ ...entry, at, prevHash, hash });
    prevHash = hash;
  }
  return chained;
}

/**
 * The INSERT of chained entries with its parameters; seq follows the order of the VALUES list, which is the
 * order of the chain.
 */
export function chainInsert(chained: ChainedEntry[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const rows: string[] = [];
  for (const entry of chained) {
    const n = params.length;
    rows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`);
    params.push(entry.at, entry.entityType, entry.entityId, entry.action, entry.actor);
    params.push(JSON.stringify(entry.data ?? null), entry.prevHash, entry.hash);
  }
  return {
    sql: `INSERT INTO history (at, entity_type, entity_id, action, actor, data, prev_hash, hash) VALUES ${rows.join(', ')}`,
    params,
  };
}

export function entryHash(prevHash: string, at: Date, entry: HistoryEntry): string {
  const body = canonicalJson({
    at: at.toISOString(),
    entityType: entry.entityType,
    entityId: entry.entityId,
    action: entry.action,
    actor: entry.actor,
    data: entry.data,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

/**
 * The append-only, hash-chained record of every change people make (cases, audits, purchase requests,
 * meetings, dispatch orders, payment decisions). Each entry carries the hash of the one before, so an
 * edit or a deletion in the database breaks the chain at that point.
 */
@Injectable()
export class HistoryService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Appends inside the caller's transaction, so the change and its history commit together. */
  async append(manager: EntityManager, entry: HistoryEntry): Promise<void> {
    await this.appendMany(manager, [entry]);
  }

  /** Appends several entries in order with one lock, one read of the chain's head and one INSERT. */
  async appendMany(manager: EntityManager, entries: HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('HistoryService.append must run inside the transaction that makes the change');
    }
    await manager.query('SELECT pg_advisory_xact_lock($1)', [HISTORY_LOCK]);
    const last: { hash: string }[] = await manager.query('SELECT hash FROM history ORDER BY seq DESC LIMIT 1');
    // Millisecond precision, so the time read back is the time hashed.
    const { sql, params } = chainInsert(chainEntries(last[0]?.hash ?? GENESIS_HASH, new Date(), entries));
    await manager.query(sql, params);
  }

  /** Walks the whole chain and reports the first entry whose hash or link does not hold. */
  async verify(): Promise<HistoryVerification> {
    let prevHash = GENESIS_HASH;
    let entries = 0;
    let afterSeq = '0';
    for (;;) {
      const rows: HistoryRow[] = await this.db.query('SELECT * FROM history WHERE seq > $1 ORDER BY seq LIMIT 5000', [
        afterSeq,
      ]);
      if (rows.length === 0) break;
      for (const row of rows) {
        const seq = Number(row.seq);
        if (row.prev_hash !== prevHash) return { ok: false, entries, brokenAt: { seq, reason: 'link-mismatch' } };
        const expected = entryHash(prevHash, new Date(row.at), {
          entityType: row.entity_type,
          entityId: row.entity_id,
          action: row.action,
          actor: row.actor,
          data: row.data,
        });
        if (expected !== row.hash) return { ok: false, entries, brokenAt: { seq, reason: 'hash-mismatch' } };
        prevHash = row.hash;
        entries += 1;
      }
      afterSeq = rows[rows.length - 1].seq;
    }
    return { ok: true, entries, lastHash: prevHash };
  }

  /**
   * The chain's head: the last entry's sequence number, hash and time. Published (or signed) elsewhere, it
   * pins everything before it: a rewritten table, however consistent in itself, no longer has this hash at
   * this seq.
   */
  async head(): Promise<ChainHead> {
    const rows: { seq: string; hash: string; at: Date }[] = await this.db.query(
      'SELECT seq, hash, at FROM history ORDER BY seq DESC LIMIT 1',
    );
    if (rows.length === 0) return { seq: 0, hash: GENESIS_HASH, at: null };
    return { seq: Number(rows[0].seq), hash: rows[0].hash, at: new Date(rows[0].at).toISOString() };
  }

  /** Whether each head published earlier is still in the chain: the same hash at the same seq. */
  async matchesHeads(
    heads: { seq: number; hash: string }[],
  ): Promise<{ seq: number; expected: string; found: string | null }[]> {
    const wanted = heads.filter((h) => h.seq > 0);
    if (wanted.length === 0) return [];
    const rows: { seq: string; hash: string }[] = await this.db.query(
      'SELECT seq, hash FROM history WHERE seq = ANY ($1::bigint[])',
      [wanted.map((h) => h.seq)],
    );
    const found = new Map(rows.map((r) => [Number(r.seq), r.hash]));
    return wanted
      .filter((h) => found.get(h.seq) !== h.hash)
      .map((h) => ({ seq: h.seq, expected: h.hash, found: found.get(h.seq) ?? null }));
  }

  /** The entries of one record, oldest first. */
  async of(entityType: string, entityId: string) {
    const rows: HistoryRow[] = await this.db.query(
      'SELECT seq, at, action, actor, data FROM history WHERE entity_type = $1 AND entity_id = $2 ORDER BY seq',
      [entityType, entityId],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      at: row.at,
      action: row.action,
      actor: row.actor,
      data: row.data,
    }));
  }
}
