import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { returnedRows } from '#app/db';
import { ReportMaker } from './report-maker.js';
import type { ReportFormat, ReportKind } from './report-model.js';
import { ReportError, periodKey, type ReportRequest } from './report-request.js';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';
export type JobTrigger = 'request' | 'schedule';

/** How long a worker holds a job without a sign of life; past it another worker takes the job over. */
export const LEASE_MS = 120_000;
/** A job whose worker stopped this many times is given up, not tried again. */
export const MAX_ATTEMPTS = 3;

export interface JobRow {
  id: string;
  kind: ReportKind;
  format: ReportFormat;
  params: ReportRequest;
  unit_id: string | null;
  status: JobStatus;
  progress: number;
  trigger: JobTrigger;
  period_key: string | null;
  requested_by: string;
  attempts: number;
  error: string | null;
  file_name: string | null;
  media_type: string | null;
  size_bytes: string | null;
  sha256: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

interface DeliveryRow {
  job_id: string;
  channel: string;
  recipient: string;
  status: 'delivered' | 'failed';
  detail: string | null;
  at: Date;
}

const JOB_COLUMNS = `id, kind, format, params, unit_id, status, progress, trigger, period_key, requested_by, attempts,
  error, file_name, media_type, size_bytes, sha256, created_at, started_at, finished_at`;

/** A job as the API shows it. */
export function jobView(job: JobRow, deliveries: DeliveryRow[] = []) {
  return {
    id: job.id,
    kind: job.kind,
    format: job.format,
    request: job.params,
    period: job.period_key ?? periodKey(job.params),
    unitId: job.unit_id,
    status: job.status,
    progress: job.progress,
    trigger: job.trigger,
    requestedBy: job.requested_by,
    attempts: job.attempts,
    error: job.error,
    file: job.sha256
      ? { name: job.file_name!, mediaType: job.media_type!, size: Number(job.size_bytes), sha256: job.sha256 }
      : null,
    deliveries: deliveries.map((d) => ({
      channel: d.channel,
      recipient: d.recipient,
      status: d.status,
      detail: d.detail,
      at: d.at,
    })),
    createdAt: job.created_at,
    startedAt: job.started_at,
    finishedAt: job.finished_at,
  };
}

export type ReportJobView = ReturnType<typeof jobView>;

export interface JobFilter {
  /** Only the jobs of this unit (a unit clerk's view); undefined for all. */
  unitId?: string;
  kind?: ReportKind;
  status?: JobStatus;
  trigger?: JobTrigger;
  limit: number;
  offset: number;
}

/** Called after each recorded step of a running job (tests watch the steps through it). */
export type ProgressListener = (jobId: string, progress: number) => Promise<void> | void;

class Released extends Error {}

/**
 * Reports made as jobs, kept in PostgreSQL: queued, taken by a worker (one at a time per job, whichever
 * instance gets it first: `FOR UPDATE SKIP LOCKED`), running with its progress in per cent, then done with
 * its file or failed with the reason. A worker renews its lease with each step; a job whose worker stopped
 * (its lease ran out) is taken over, and given up after MAX_ATTEMPTS.
 */
@Injectable()
export class ReportJobs {
  private readonly logger = new Logger('ReportJobs');
  readonly progressListeners = new Set<ProgressListener>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly maker: ReportMaker,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async enqueue(input: {
    request: ReportRequest;
    format: ReportFormat;
    unitId: string | null;
    requestedBy: string;
  }): Promise<ReportJobView> {
    const rows: JobRow[] = await this.db.query(
      `INSERT INTO report_jobs (kind, format, params, unit_id, requested_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${JOB_COLUMNS}`,
      [input.request.kind, input.format, input.request, input.unitId, input.requestedBy, this.clock.now()],
    );
    return jobView(rows[0]);
  }

  /**
   * The scheduler's job for a period and format, created unless it exists: the unique key lets one of several
   * schedulers create it, the others find it.
   */
  async ensureScheduled(request: ReportRequest, format: ReportFormat, actor: string): Promise<ReportJobView> {
    const key = periodKey(request);
    await this.db.query(
      `INSERT INTO report_jobs (kind, format, params, trigger, period_key, requested_by, created_at)
       VALUES ($1, $2, $3, 'schedule', $4, $5, $6)
       ON CONFLICT (kind, period_key, format) WHERE trigger = 'schedule' DO NOTHING`,
      [request.kind, format, request, key, actor, this.clock.now()],
    );
    const rows: JobRow[] = await this.db.query(
      `SELECT ${JOB_COLUMNS} FROM report_jobs WHERE trigger = 'schedule' AND kind = $1 AND period_key = $2 AND format = $3`,
      [request.kind, key, format],
    );
    return jobView(rows[0]);
  }

  async get(id: string, unitId?: string): Promise<ReportJobView | null> {
    const rows: JobRow[] = await this.db.query(
      `SELECT ${JOB_COLUMNS} FROM report_jobs WHERE id = $1 AND ($2::uuid IS NULL OR unit_id = $2)`,
      [id, unitId ?? null],
    );
    if (rows.length === 0) return null;
    return jobView(rows[0], await this.deliveriesOf([id]).then((d) => d.get(id) ?? []));
  }

  async list(filter: JobFilter): Promise<{ items: ReportJobView[]; total: number; limit: number; offset: number }> {
    const where = [
      '($1::uuid IS NULL OR unit_id = $1)',
      '($2::text IS NULL OR kind = $2)',
      '($3::text IS NULL OR status = $3)',
      '($4::text IS NULL OR trigger = $4)',
    ].join(' AND ');
    const params = [filter.unitId ?? null, filter.kind ?? null, filter.status ?? null, filter.trigger ?? null];
    const rows: JobRow[] = await this.db.query(
      `SELECT ${JOB_COLUMNS} FROM report_jobs WHERE ${where} ORDER BY created_at DESC, id LIMIT $5 OFFSET $6`,
      [...params, filter.limit, filter.offset],
    );
    const [{ n }]: { n: string }[] = await this.db.query(
      `SELECT count(*) AS n FROM report_jobs WHERE ${where}`,
      params,
    );
    const deliveries = await this.deliveriesOf(rows.map((r) => r.id));
    return {
      items: rows.map((r) => jobView(r, deliveries.get(r.id) ?? [])),
      total: Number(n),
      limit: filter.limit,
      offset: filter.offset,
    };
  }

  private async deliveriesOf(ids: string[]): Promise<Map<string, DeliveryRow[]>> {
    const byJob = new Map<string, DeliveryRow[]>();
    if (ids.length === 0) return byJob;
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT job_id, channel, recipient, status, detail, at FROM report_deliveries
        WHERE job_id = ANY($1::uuid[]) ORDER BY at, channel, recipient`,
      [ids],
    );
    for (const row of rows) byJob.set(row.job_id, [...(byJob.get(row.job_id) ?? []), row]);
    return byJob;
  }

  /** The file of a done job (null while it is not done). */
  async file(id: string): Promise<{ bytes: Buffer; name: string; mediaType: string; sha256: string } | null> {
    const rows: { content: Buffer; file_name: string; media_type: string; sha256: string }[] = await this.db.query(
      `SELECT f.content, j.file_name, j.media_type, j.sha256
         FROM report_jobs j JOIN report_files f ON f.job_id = j.id WHERE j.id = $1 AND j.status = 'done'`,
      [id],
    );
    const row = rows[0];
    return row ? { bytes: row.content, name: row.file_name, mediaType: row.media_type, sha256: row.sha256 } : null;
  }

  /**
   * Takes the oldest waiting job of a trigger (or one whose worker's lease ran out) and marks it running.
   * Jobs whose worker stopped MAX_ATTEMPTS times are marked failed first.
   */
  async claim(trigger: JobTrigger): Promise<JobRow | null> {
    const now = this.clock.now();
    await this.db.query(
      `UPDATE report_jobs
          SET status = 'failed', finished_at = $2, lease_until = NULL,
              error = 'its worker stopped ' || attempts || ' times before it was done; not tried again'
        WHERE trigger = $1 AND status = 'running' AND lease_until < $2 AND attempts >= $3`,
      [trigger, now, MAX_ATTEMPTS],
    );
    const result: unknown = await this.db.query(
      `WITH next AS (
         SELECT id FROM report_jobs
          WHERE trigger = $1 AND (status = 'queued' OR (status = 'running' AND lease_until < $2))
          ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       UPDATE report_jobs j
          SET status = 'running', progress = 0, attempts = j.attempts + 1, started_at = $2, lease_until = $3
         FROM next WHERE j.id = next.id
       RETURNING ${JOB_COLUMNS.split(',')
         .map((c) => `j.${c.trim()}`)
         .join(', ')}`,
      [trigger, now, new Date(now.getTime() + LEASE_MS)],
    );
    return returnedRows<JobRow>(result)[0] ?? null;
  }

  /**
   * Makes a claimed job's file and records it; a report that cannot be made (its week not drawn, its car
   * gone) fails with the reason. An abort (the app stopping) puts the job back in the queue.
   */
  async run(job: JobRow, signal?: AbortSignal): Promise<JobStatus> {
    let recorded = 0;
    try {
      const made = await this.maker.make(job.params, job.format, async (share) => {
        if (signal?.aborted) throw new Released();
        const progress = Math.min(99, Math.floor(share * 100));
        if (progress <= recorded) return;
        recorded = progress;
        await this.db.query(
          `UPDATE report_jobs SET progress = $2, lease_until = $3 WHERE id = $1 AND status = 'running'`,
          [job.id, progress, new Date(this.clock.now().getTime() + LEASE_MS)],
        );
        for (const listener of this.progressListeners) await listener(job.id, progress);
      });
      await this.db.transaction(async (m) => {
        await m.query(
          `INSERT INTO report_files (job_id, content) VALUES ($1, $2)
           ON CONFLICT (job_id) DO UPDATE SET content = EXCLUDED.content`,
          [job.id, made.bytes],
        );
        await m.query(
          `UPDATE report_jobs SET status = 'done', progress = 100, file_name = $2, media_type = $3, size_bytes = $4,
                  sha256 = $5, finished_at = $6, lease_until = NULL, error = NULL
            WHERE id = $1`,
          [job.id, made.fileName, made.mediaType, made.bytes.length, made.sha256, this.clock.now()],
        );
      });
      for (const listener of this.progressListeners) await listener(job.id, 100);
      return 'done';
    } catch (error) {
      if (error instanceof Released) {
        await this.db.query(
          `UPDATE report_jobs SET status = 'queued', progress = 0, lease_until = NULL,
                  attempts = greatest(attempts - 1, 0)
            WHERE id = $1 AND status = 'running'`,
          [job.id],
        );
        return 'queued';
      }
      const message = error instanceof ReportError ? error.message : `the report could not be made: ${String(error)}`;
      if (!(error instanceof ReportError)) this.logger.error(`report job ${job.id} failed: ${(error as Error).stack}`);
      await this.db.query(
        `UPDATE report_jobs SET status = 'failed', error = $2, finished_at = $3, lease_until = NULL
          WHERE id = $1 AND status = 'running'`,
        [job.id, message, this.clock.now()],
      );
      return 'failed';
    }
  }

  /**
   * Runs the waiting jobs of a trigger one after another until none waits or the signal aborts; returns how
   * many were made (done).
   */
  async drain(trigger: JobTrigger, signal?: AbortSignal): Promise<number> {
    let made = 0;
    while (!signal?.aborted) {
      const job = await this.claim(trigger);
      if (!job) break;
      if ((await this.run(job, signal)) === 'done') made += 1;
    }
    return made;
  }
}
