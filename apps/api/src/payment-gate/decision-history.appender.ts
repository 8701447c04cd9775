import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HistoryService } from '#app/history';
import type { Reason } from './reasons.js';

/** Entries written per transaction. */
const BATCH = 200;
/** Gather the decisions of a short while into one transaction rather than one each. */
const GATHER_MS = 100;
/** Also sweep now and then, for decisions of another instance or of a process that stopped mid-way. */
const SWEEP_MS = 2_000;

interface PendingRow {
  check_id: string;
  plate_number: string;
  vehicle_id: string | null;
  expense_type: string;
  amount: string;
  invoice_no: string;
  expense_date: string;
  decision: string;
  reasons: Reason[];
  checked_at: Date;
  checked_by: string;
}

/**
 * Chains payment decisions into the history right after they commit, in batches.
 *
 * Why not inside the decision's transaction like other changes: the history is one chain behind one
 * lock, and at hundreds of checks a second every decision would queue for it while holding its own
 * transaction open. Here a decision commits with `history_appended = false` and this appender writes its
 * entry, normally within some tens of milliseconds, marking the row in the same transaction — so each decision is
 * chained exactly once, and a decision left behind by a crash is chained at the next sweep.
 */
@Injectable()
export class DecisionHistoryAppender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PaymentGateHistory');
  private draining?: Promise<void>;
  private again = false;
  private timer?: NodeJS.Timeout;
  private gathering?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.start(), SWEEP_MS);
    this.timer.unref();
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.gathering);
    await this.draining;
  }

  /** A decision was recorded: drain shortly, together with whatever else comes in meanwhile. */
  kick(): void {
    if (this.stopped || this.gathering) return;
    this.gathering = setTimeout(() => {
      this.gathering = undefined;
      this.start();
    }, GATHER_MS);
  }

  /** Drains now; a call while a drain runs folds into one more round. */
  private start(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => (this.draining = undefined));
  }

  /** Appends until nothing is pending; resolves when done (tests and shutdown wait on it). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
    await this.drain();
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        while ((await this.appendBatch()) === BATCH && !this.stopped);
      } while (this.again && !this.stopped);
    } catch (error) {
      // The next sweep tries again; the decision rows wait durably until then.
      this.logger.warn(`appending decisions to the history failed: ${(error as Error).message}`);
    }
  }

  private appendBatch(): Promise<number> {
    return this.db.transaction(async (m) => {
      // Safe without waiting for the disk: the entries and their rows' flags commit or vanish together,
      // and any later durable commit (WAL is sequential) makes this one durable first.
      await m.query('SET LOCAL synchronous_commit = off');
      const rows: PendingRow[] = await m.query(
        `SELECT check_id, plate_number, vehicle_id, expense_type, amount::text AS amount, invoice_no,
                expense_date::text AS expense_date, decision, reasons, checked_at, checked_by
         FROM payment_checks WHERE NOT history_appended
         ORDER BY checked_at, check_id LIMIT ${BATCH}
         FOR UPDATE SKIP LOCKED`,
      );
      await this.history.appendMany(
        m,
        rows.map((row) => ({
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
        })),
      );
      if (rows.length > 0) {
        await m.query('UPDATE payment_checks SET history_appended = true WHERE check_id = ANY ($1::uuid[])', [
          rows.map((r) => r.check_id),
        ]);
      }
      return rows.length;
    });
  }
}
