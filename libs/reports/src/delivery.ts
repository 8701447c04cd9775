import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { HistoryService } from '#app/history';
import type { ReportFormat, ReportKind } from './report-model.js';

/** A report the scheduler made, on its way to its readers. */
export interface DeliverableReport {
  jobId: string;
  kind: ReportKind;
  format: ReportFormat;
  /** `2026-03` for a monthly report. */
  period: string;
  fileName: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  /** The file's bytes, read when a channel needs them (an e-mail attachment, an upload). */
  content(): Promise<Buffer>;
}

/** One hand-over of a report to one recipient, as the channel reports it. */
export interface DeliveryReceipt {
  recipient: string;
  status: 'delivered' | 'failed';
  detail?: string;
}

/**
 * Somewhere a scheduled report goes: the archive in the service (always), and whatever a notification
 * module adds — e-mail to the district leaders, a webhook. A channel is asked once per report and answers
 * with a receipt per recipient; retrying and backing off is the channel's own business, so `deliver` should
 * answer once the report is sent or queued for sending (it runs while the report's row is locked against a
 * second scheduler). Each receipt is recorded in `report_deliveries` and in the history.
 *
 * To add a channel, provide it in the scheduler's REPORT_DELIVERY_CHANNELS list (see SchedulerModule).
 */
export interface ReportDeliveryChannel {
  readonly name: string;
  deliver(report: DeliverableReport): Promise<DeliveryReceipt[]>;
}

export const REPORT_DELIVERY_CHANNELS = Symbol('REPORT_DELIVERY_CHANNELS');

/**
 * The report is kept in the service, where the centre and the inspectors download it
 * (`GET /api/v1/report-jobs?trigger=schedule`). Always there, so every scheduled report has at least this
 * record of having been delivered.
 */
export class ArchiveChannel implements ReportDeliveryChannel {
  readonly name = 'archive';

  deliver(report: DeliverableReport): Promise<DeliveryReceipt[]> {
    return Promise.resolve([
      {
        recipient: 'centre, inspector',
        status: 'delivered',
        detail: `stored in the service: GET /api/v1/report-jobs/${report.jobId}/file (sha-256 ${report.sha256})`,
      },
    ]);
  }
}

interface PendingRow {
  id: string;
  kind: ReportKind;
  format: ReportFormat;
  period_key: string;
  file_name: string;
  media_type: string;
  size_bytes: string;
  sha256: string;
}

const ACTOR = 'system:scheduler';

/**
 * Hands the done scheduled reports to every channel that has not had them yet. The job's row stays locked
 * while its channels are asked, so two schedulers never deliver one report twice.
 */
@Injectable()
export class ReportDelivery {
  private readonly logger = new Logger('ReportDelivery');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly history: HistoryService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REPORT_DELIVERY_CHANNELS) private readonly channels: ReportDeliveryChannel[],
  ) {}

  /** Delivers what is due; returns the receipts recorded now. */
  async deliverDue(): Promise<(DeliveryReceipt & { jobId: string; channel: string })[]> {
    const recorded: (DeliveryReceipt & { jobId: string; channel: string })[] = [];
    const due: { id: string }[] = await this.db.query(
      `SELECT j.id FROM report_jobs j
        WHERE j.trigger = 'schedule' AND j.status = 'done'
          AND (SELECT count(DISTINCT d.channel) FROM report_deliveries d WHERE d.job_id = j.id) < $1
        ORDER BY j.created_at`,
      [this.channels.length],
    );
    for (const { id } of due) {
      await this.db.transaction(async (m) => {
        const rows: PendingRow[] = await m.query(
          `SELECT id, kind, format, period_key, file_name, media_type, size_bytes, sha256
             FROM report_jobs WHERE id = $1 AND status = 'done' FOR UPDATE SKIP LOCKED`,
          [id],
        );
        const job = rows[0];
        if (!job) return; // another scheduler is delivering it
        const done: { channel: string }[] = await m.query(
          'SELECT DISTINCT channel FROM report_deliveries WHERE job_id = $1',
          [id],
        );
        const had = new Set(done.map((d) => d.channel));
        for (const channel of this.channels) {
          if (had.has(channel.name)) continue;
          for (const receipt of await this.ask(m, channel, job)) {
            await m.query(
              `INSERT INTO report_deliveries (job_id, channel, recipient, status, detail, at)
               VALUES ($1, $2, $3, $4, $5, $6)`,
              [id, channel.name, receipt.recipient, receipt.status, receipt.detail ?? null, this.clock.now()],
            );
            await this.history.append(m, {
              entityType: 'report',
              entityId: id,
              action: receipt.status === 'delivered' ? 'delivered' : 'delivery_failed',
              actor: ACTOR,
              data: {
                kind: job.kind,
                period: job.period_key,
                format: job.format,
                fileName: job.file_name,
                sha256: job.sha256,
                channel: channel.name,
                recipient: receipt.recipient,
                detail: receipt.detail ?? null,
              },
            });
            recorded.push({ ...receipt, jobId: id, channel: channel.name });
          }
        }
      });
    }
    return recorded;
  }

  /** A channel's receipts; one that throws or answers nothing is recorded as failed, never lost. */
  private async ask(m: EntityManager, channel: ReportDeliveryChannel, job: PendingRow): Promise<DeliveryReceipt[]> {
    const report: DeliverableReport = {
      jobId: job.id,
      kind: job.kind,
      format: job.format,
      period: job.period_key,
      fileName: job.file_name,
      mediaType: job.media_type,
      sizeBytes: Number(job.size_bytes),
      sha256: job.sha256,
      content: async () => {
        const rows: { content: Buffer }[] = await m.query('SELECT content FROM report_files WHERE job_id = $1', [
          job.id,
        ]);
        return rows[0].content;
      },
    };
    try {
      const receipts = await channel.deliver(report);
      if (receipts.length > 0) return receipts;
      return [{ recipient: '—', status: 'failed', detail: `channel ${channel.name} named no recipient` }];
    } catch (error) {
      this.logger.error(`report ${job.id} (${job.kind} ${job.period_key}) not delivered by ${channel.name}: ${error}`);
      return [{ recipient: '—', status: 'failed', detail: String((error as Error).message ?? error) }];
    }
  }
}
