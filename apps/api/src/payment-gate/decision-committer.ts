import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { chainEntries, GENESIS_HASH, HISTORY_LOCK, HistoryService, type HistoryEntry } from '#app/history';
import type { Reason } from './reasons.js';

/** Decisions written in one transaction at most. */
const MAX_BATCH = 64;
/**
 * Transactions under way at once. A second one decides its checks while the first waits for its COMMIT; it
 * then waits for the history's lock, which the first holds only for its last round trip.
 */
const MAX_IN_FLIGHT = 2;
/** A slow database must not hold a payment run: each statement has a deadline. */
const STATEMENT_TIMEOUT_MS = 2_000;
/** First key of the per-invoice advisory lock that makes concurrent identical requests decide once. */
export const INVOICE_LOCK_SPACE = 7_340_050;

/** A decision as the statement returns it (payment_checks' columns). */
export interface CheckRow {
  check_id: string;
  plate_number: string;
  plate_normalized: string;
  vehicle_id: string | null;
  unit_name: string | null;
  expense_type: string;
  amount: string;
  invoice_no: string;
  expense_date: string;
  decision: 'allow' | 'deny';
  reasons: Reason[];
  checked_at: Date | string;
  checked_by: string;
}

/** One check waiting for its transaction: the prepared statement's arguments and the lock key of its invoice. */
export interface PendingDecision {
  lockKey: number;
  /** The values of `EXECUTE payment_gate_decide (…)`, in order. */
  values: DecisionValue[];
  resolve(row: CheckRow & { fresh?: boolean }): void;
  reject(error: unknown): void;
}

type Prepare = (client: PoolClient) => Promise<void>;

function literal(client: PoolClient, value: DecisionValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return String(value);
  return typeof value === 'number' ? String(Math.trunc(value)) : client.escapeLiteral(value);
}

/** An argument of the prepared decision: numbers are whole; other figures travel as text. */
export type DecisionValue = string | number | boolean | null;

/** The history entry of a new decision; the chain holds what the decision rests on, not the messages. */
export function decisionEntry(row: CheckRow): HistoryEntry {
  return {
    entityType: 'payment_check',
    entityId: row.check_id,
    action: 'decided',
    actor: row.checked_by,
    data: {
      plateNumber: row.plate_number,
      vehicleId: row.vehicle_id,
      expenseType: row.expense_type,
      amount: row.amount,
      invoiceNo: row.invoice_no,
      expenseDate: row.expense_date,
      decision: row.decision,
      reasons: row.reasons.map((r) => r.code),
      checkedAt: new Date(row.checked_at).toISOString(),
    },
  };
}

/**
 * Writes payment decisions and their history entries in the same transaction (group commit).
 *
 * A decision that exists without its history entry would be evidence nobody can vouch for, so both commit
 * together. To keep hundreds of checks a second, checks that arrive while a transaction is under way wait
 * for the next one and share it: one transaction holds up to MAX_BATCH decisions and their entries, in two
 * round trips — (1) BEGIN, the invoices' locks in key order, one decision statement per check, the history
 * lock and the chain's head; (2) the entries, the rows marked chained, COMMIT. Every caller is answered only
 * after the COMMIT. A transaction that fails is retried one check at a time, so one bad check cannot take its
 * neighbours' answers with it.
 */
@Injectable()
export class DecisionCommitter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PaymentGateCommit');
  private readonly queue: PendingDecision[] = [];
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();
  private prepare: Prepare = async () => undefined;
  /** Tests stop a transaction between its two round trips here. */
  beforeCommit?: (client: PoolClient) => Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  /** The gate prepares its statement on each connection it is given. */
  usePrepare(prepare: Prepare): void {
    this.prepare = prepare;
  }

  /**
   * Chains any decision an earlier version left unchained (it wrote entries after the commit); from this
   * version on no decision commits without its entry.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      while ((await this.chainLeftovers()) > 0);
    } catch (error) {
      this.logger.warn(`chaining decisions left by an earlier version failed: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  submit(lockKey: number, values: DecisionValue[]): Promise<CheckRow & { fresh?: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ lockKey, values, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight += 1;
      const run = this.commit(batch).finally(() => {
        this.inFlight -= 1;
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async commit(batch: PendingDecision[]): Promise<void> {
    let rows: (CheckRow & { fresh?: boolean })[];
    try {
      rows = await this.decideAndChain(batch);
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // One check may have broken the transaction; each alone tells whose it was.
      await Promise.all(batch.map((one) => this.commit([one])));
      return;
    }
    batch.forEach((pending, i) => pending.resolve(rows[i]));
  }

  private async decideAndChain(batch: PendingDecision[]): Promise<(CheckRow & { fresh?: boolean })[]> {
    const runner = this.db.createQueryRunner();
    try {
      const client = (await runner.connect()) as PoolClient;
      try {
        await this.prepare(client);
        // Locks in key order: two transactions never wait for each other's invoices in a circle.
        const keys = [...new Set(batch.map((p) => p.lockKey))].sort((a, b) => a - b);
        const first = [
          'BEGIN',
          `SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`,
          ...keys.map((k) => `SELECT pg_advisory_xact_lock(${INVOICE_LOCK_SPACE}, ${k})`),
          ...batch.map(
            (p) =>
              // Ten arguments: the plain decision; eighteen: the fuel decision.
              `EXECUTE ${p.values.length > 10 ? 'payment_gate_decide_fuel' : 'payment_gate_decide'} (${p.values.map((v) => literal(client, v)).join(', ')})`,
          ),
          `SELECT pg_advisory_xact_lock(${HISTORY_LOCK})`,
          'SELECT hash FROM history ORDER BY seq DESC LIMIT 1',
        ];
        const results = (await client.query(first.join('; '))) as unknown as { rows: Record<string, unknown>[] }[];
        const decided = batch.map((_, i): CheckRow & { fresh?: boolean } => {
          const r = results[2 + keys.length + i].rows[0] as { inserted: CheckRow | null; earlier: CheckRow | null };
          return r.inserted ? { ...r.inserted, fresh: true } : r.earlier!;
        });
        const head = (results[results.length - 1].rows[0] as { hash: string } | undefined)?.hash ?? GENESIS_HASH;
        const fresh = decided.filter((row) => row.fresh);
        const second: string[] = [];
        if (fresh.length > 0) {
          // Millisecond precision, so the time read back is the time hashed.
          const chained = chainEntries(head, new Date(), fresh.map(decisionEntry));
          const values = chained.map(
            (e) =>
              `(${[e.at.toISOString(), e.entityType, e.entityId, e.action, e.actor].map((v) => client.escapeLiteral(v)).join(', ')}, ` +
              `${client.escapeLiteral(JSON.stringify(e.data))}::jsonb, ${client.escapeLiteral(e.prevHash)}, ${client.escapeLiteral(e.hash)})`,
          );
          second.push(
            `INSERT INTO history (at, entity_type, entity_id, action, actor, data, prev_hash, hash) VALUES ${values.join(', ')}`,
            `UPDATE payment_checks SET history_appended = true WHERE check_id IN (${fresh.map((r) => client.escapeLiteral(r.check_id)).join(', ')})`,
          );
        }
        if (this.beforeCommit) await this.beforeCommit(client);
        await client.query([...second, 'COMMIT'].join('; '));
        return decided;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } finally {
      await runner.release();
    }
  }

  /** One transaction of decisions committed without their entry (by an earlier version); returns how many. */
  private chainLeftovers(): Promise<number> {
    return this.db.transaction(async (m) => {
      const rows: CheckRow[] = await m.query(
        `SELECT check_id, plate_number, vehicle_id, expense_type, amount::text AS amount, invoice_no,
                expense_date::text AS expense_date, decision, reasons, checked_at, checked_by
         FROM payment_checks WHERE NOT history_appended
         ORDER BY checked_at, check_id LIMIT 500
         FOR UPDATE SKIP LOCKED`,
      );
      if (rows.length === 0) return 0;
      await this.history.appendMany(m, rows.map(decisionEntry));
      await m.query('UPDATE payment_checks SET history_appended = true WHERE check_id = ANY ($1::uuid[])', [
        rows.map((r) => r.check_id),
      ]);
      return rows.length;
    });
  }
}
