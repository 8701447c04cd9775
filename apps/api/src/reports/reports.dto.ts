import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Matches, Max, Min, ValidateIf } from 'class-validator';
import { REPORT_FORMATS, REPORT_KINDS, type ReportFormat, type ReportKind } from '#app/reports';
import { PageQueryDto } from '../common/page-query.dto.js';
import { QueryNumber } from '../common/query-number.js';
import { IsDay } from '../vehicles/validation.js';

const WEEK = /^\d{4}-W\d{2}$/;
const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
const TRIGGERS = ['request', 'schedule'] as const;

export class ReportFormatQueryDto {
  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'pdf' })
  @IsOptional()
  @IsIn(REPORT_FORMATS, { message: `format must be one of: ${REPORT_FORMATS.join(', ')}` })
  format?: ReportFormat;
}

export class ActivityReportQueryDto extends ReportFormatQueryDto {
  @ApiProperty({ format: 'uuid', description: 'the car' })
  @IsUUID('all', { message: 'vehicleId must be a UUID' })
  vehicleId: string;

  @ApiProperty({ example: '2026-03-01', description: 'first day (policy time zone)' })
  @IsDay()
  from: string;

  @ApiProperty({ example: '2026-03-31', description: 'last day, included' })
  @IsDay()
  to: string;
}

export class WeeklyAuditReportQueryDto extends ReportFormatQueryDto {
  @ApiProperty({ example: '2026-W10' })
  @Matches(WEEK, { message: 'week must be an ISO week such as 2026-W10' })
  week: string;
}

export class OversightReportQueryDto extends ReportFormatQueryDto {
  @ApiProperty({ example: 2026 })
  @QueryNumber()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;

  @ApiProperty({ minimum: 1, maximum: 12, example: 3 })
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(12)
  month: number;
}

/** A report to make as a job; which fields it needs depends on its kind. */
export class CreateReportJobDto {
  @ApiProperty({ enum: REPORT_KINDS })
  @IsIn(REPORT_KINDS, { message: `kind must be one of: ${REPORT_KINDS.join(', ')}` })
  kind: ReportKind;

  @ApiProperty({ enum: REPORT_FORMATS })
  @IsIn(REPORT_FORMATS, { message: `format must be one of: ${REPORT_FORMATS.join(', ')}` })
  format: ReportFormat;

  @ApiPropertyOptional({ format: 'uuid', description: 'activity: one car' })
  @IsOptional()
  @IsUUID('all', { message: 'vehicleId must be a UUID' })
  vehicleId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'activity: the cars of one unit (without vehicleId)' })
  @IsOptional()
  @IsUUID('all', { message: 'unitId must be a UUID' })
  unitId?: string;

  @ApiPropertyOptional({ example: '2026-03-01', description: 'activity: first day (policy time zone)' })
  @ValidateIf((o: CreateReportJobDto) => o.kind === 'activity' || (o.from !== undefined && o.from !== null))
  @IsDay()
  from?: string;

  @ApiPropertyOptional({ example: '2026-03-31', description: 'activity: last day, included' })
  @ValidateIf((o: CreateReportJobDto) => o.kind === 'activity' || (o.to !== undefined && o.to !== null))
  @IsDay()
  to?: string;

  @ApiPropertyOptional({ example: '2026-W10', description: 'weekly_audit: the ISO week' })
  @ValidateIf((o: CreateReportJobDto) => o.kind === 'weekly_audit' || (o.week !== undefined && o.week !== null))
  @Matches(WEEK, { message: 'week must be an ISO week such as 2026-W10' })
  week?: string;

  @ApiPropertyOptional({ example: 2026, description: 'monthly_oversight: the year' })
  @ValidateIf((o: CreateReportJobDto) => o.kind === 'monthly_oversight' || (o.year !== undefined && o.year !== null))
  @IsInt({ message: 'year must be a whole number' })
  @Min(2000)
  @Max(2100)
  year?: number;

  @ApiPropertyOptional({ example: 3, description: 'monthly_oversight: the month' })
  @ValidateIf((o: CreateReportJobDto) => o.kind === 'monthly_oversight' || (o.month !== undefined && o.month !== null))
  @IsInt({ message: 'month must be a whole number' })
  @Min(1)
  @Max(12)
  month?: number;
}

export class ListReportJobsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: REPORT_KINDS })
  @IsOptional()
  @IsIn(REPORT_KINDS, { message: `kind must be one of: ${REPORT_KINDS.join(', ')}` })
  kind?: ReportKind;

  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional()
  @IsIn(JOB_STATUSES, { message: `status must be one of: ${JOB_STATUSES.join(', ')}` })
  status?: (typeof JOB_STATUSES)[number];

  @ApiPropertyOptional({ enum: TRIGGERS, description: '`schedule`: the reports the scheduler made and delivered' })
  @IsOptional()
  @IsIn(TRIGGERS, { message: `trigger must be one of: ${TRIGGERS.join(', ')}` })
  trigger?: (typeof TRIGGERS)[number];
}
