import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '#app/calendar';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { buildActivityReport } from './activity-report.js';
import { buildWeeklyAuditReport } from './audit-report.js';
import { wallTime } from './format.js';
import { buildOversightReport } from './oversight-report.js';
import { OversightStats } from './oversight-stats.js';
import { renderPdf } from './render-pdf.js';
import { renderXlsx } from './render-xlsx.js';
import { MEDIA_TYPES, noProgress, type Progress, type ReportDocument, type ReportFormat } from './report-model.js';
import type { ReportRequest } from './report-request.js';

/** Share of the work the data takes; drawing the file takes the rest. */
const READING = 0.8;

export interface MadeReport {
  document: ReportDocument;
  bytes: Buffer;
  fileName: string;
  mediaType: string;
  sha256: string;
}

/**
 * Makes a report: reads its data in one read-only snapshot (so its tables and totals agree even while
 * positions and findings arrive) and draws it as PDF or XLSX.
 */
@Injectable()
export class ReportMaker {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly stats: OversightStats,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async document(request: ReportRequest, progress: Progress = noProgress, generatedAt = this.clock.now()) {
    const context = { timeZone: this.config.tzPolicy, generatedAt, progress };
    const document = await this.db.transaction('REPEATABLE READ', async (m): Promise<ReportDocument> => {
      await m.query('SET TRANSACTION READ ONLY');
      switch (request.kind) {
        case 'activity':
          return buildActivityReport(m, request, context);
        case 'weekly_audit':
          return buildWeeklyAuditReport(m, request.week, context);
        case 'monthly_oversight':
          return buildOversightReport(m, this.stats, request.year, request.month, context);
      }
    });
    document.meta.push({
      label: '生成时间 Made at',
      value: `${wallTime(generatedAt, this.config.tzPolicy)} (${this.config.tzPolicy})`,
    });
    return document;
  }

  async make(request: ReportRequest, format: ReportFormat, progress: Progress = noProgress): Promise<MadeReport> {
    const generatedAt = this.clock.now();
    const document = await this.document(request, (share) => progress(share * READING), generatedAt);
    await progress(READING);
    const options = { timeZone: this.config.tzPolicy, generatedAt };
    const bytes = format === 'pdf' ? await renderPdf(document, options) : await renderXlsx(document, options);
    return {
      document,
      bytes,
      fileName: `${document.fileStem}.${format}`,
      mediaType: MEDIA_TYPES[format],
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  }
}
