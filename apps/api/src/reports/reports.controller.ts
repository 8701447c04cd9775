import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import {
  ActivityReportQueryDto,
  CreateReportJobDto,
  ListReportJobsQueryDto,
  OversightReportQueryDto,
  WeeklyAuditReportQueryDto,
} from './reports.dto.js';
import { ReportsService } from './reports.service.js';

/** A report file as the answer: its type, a name to save it under, its length and SHA-256. */
function send(res: Response, file: { bytes: Buffer; name: string; mediaType: string; sha256: string }): void {
  res.setHeader('Content-Type', file.mediaType);
  res.setHeader('Content-Length', String(file.bytes.length));
  res.setHeader('Content-Disposition', `attachment; filename="${file.name}"`);
  res.setHeader('Digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(file.bytes);
}

/** Reports answered at once: one car's activity, one week's audit, one month's oversight. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Get('activity')
  @May('reports.activity')
  async activity(
    @Query() q: ActivityReportQueryDto,
    @CurrentPrincipal() who: Principal,
    @Res() res: Response,
  ): Promise<void> {
    const made = await this.reports.activity(who, q.vehicleId, q.from, q.to, q.format ?? 'pdf');
    send(res, { ...made, name: made.fileName });
  }

  @Get('weekly-audit')
  @May('reports.oversight')
  async weeklyAudit(@Query() q: WeeklyAuditReportQueryDto, @Res() res: Response): Promise<void> {
    const made = await this.reports.make({ kind: 'weekly_audit', week: q.week }, q.format ?? 'pdf');
    send(res, { ...made, name: made.fileName });
  }

  @Get('monthly-oversight')
  @May('reports.oversight')
  async monthlyOversight(@Query() q: OversightReportQueryDto, @Res() res: Response): Promise<void> {
    const made = await this.reports.make(
      { kind: 'monthly_oversight', year: q.year, month: q.month },
      q.format ?? 'pdf',
    );
    send(res, { ...made, name: made.fileName });
  }
}

/** Reports made as jobs: asked for, followed, downloaded when done. */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1/report-jobs')
export class ReportJobsController {
  constructor(private readonly reports: ReportsService) {}

  @Post()
  @HttpCode(202)
  @May('reports.jobs')
  create(@Body() body: CreateReportJobDto, @CurrentPrincipal() who: Principal) {
    return this.reports.enqueue(who, body);
  }

  @Get()
  @May('reports.jobs')
  list(@Query() q: ListReportJobsQueryDto, @CurrentPrincipal() who: Principal) {
    return this.reports.list(who, q);
  }

  @Get(':id')
  @May('reports.jobs')
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() who: Principal) {
    return this.reports.get(who, id);
  }

  @Get(':id/file')
  @May('reports.jobs')
  async file(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() who: Principal,
    @Res() res: Response,
  ): Promise<void> {
    send(res, await this.reports.file(who, id));
  }
}
