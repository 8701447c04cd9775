import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { rolesFor, type Principal } from '#app/auth';
import { APP_CONFIG, type AppConfig } from '#app/config';
import {
  REPORT_ERRORS,
  ReportError,
  ReportJobs,
  ReportMaker,
  checkRequest,
  localPeriod,
  type MadeReport,
  type ReportFormat,
  type ReportJobView,
  type ReportRequest,
} from '#app/reports';
import { ReportWorker } from './report-worker.js';
import type { CreateReportJobDto, ListReportJobsQueryDto } from './reports.dto.js';

/** The longest period a report answered at once covers; longer ones are made as jobs. */
export const DIRECT_MAX_DAYS = 92;

/** No unit: a clerk without a unit sees nothing. */
const NO_UNIT = '00000000-0000-0000-0000-000000000000';

/** The unit whose reports a caller is limited to, or null: unit clerks get their own unit's, others all. */
function ownUnit(who: Principal): string | null {
  const seesAll = who.roles.some((r) => r === 'centre' || r === 'inspector');
  return seesAll ? null : (who.unitId ?? NO_UNIT);
}

/** A report error as the HTTP answer it stands for. */
function httpError(error: unknown): unknown {
  if (!(error instanceof ReportError)) return error;
  return REPORT_ERRORS[error.code] === 404
    ? new NotFoundException(error.message)
    : new BadRequestException([error.message]);
}

/**
 * Who may have which report, then the report: made at once (one car, one week, one month) or queued as a
 * job. A unit clerk gets activity reports of their own unit's cars only: another unit's car is a 404 (as it
 * is everywhere for them), another unit a 403; the weekly and monthly reports are for the centre and the
 * inspectors.
 */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly maker: ReportMaker,
    private readonly jobs: ReportJobs,
    private readonly worker: ReportWorker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async activity(who: Principal, vehicleId: string, from: string, to: string, format: ReportFormat) {
    try {
      const { days } = localPeriod(from, to, this.config.tzPolicy);
      if (days > DIRECT_MAX_DAYS) {
        throw new BadRequestException([
          `to: a report answered at once covers at most ${DIRECT_MAX_DAYS} days (asked: ${days}); ask for a longer one as a job (POST /api/v1/report-jobs)`,
        ]);
      }
    } catch (error) {
      throw httpError(error);
    }
    await this.scopeOf(who, { vehicleId });
    return this.make({ kind: 'activity', vehicleId, from, to }, format);
  }

  make(request: ReportRequest, format: ReportFormat): Promise<MadeReport> {
    return this.maker.make(request, format).catch((error: unknown) => {
      throw httpError(error);
    });
  }

  async enqueue(who: Principal, body: CreateReportJobDto): Promise<ReportJobView> {
    const request = this.requestOf(body);
    try {
      checkRequest(request, this.config.tzPolicy);
    } catch (error) {
      throw httpError(error);
    }
    let unitId: string | null = null;
    if (request.kind === 'activity') {
      const scope = await this.scopeOf(who, request);
      request.unitId = scope.unitId;
      unitId = scope.reportUnit;
    } else {
      const allowed = rolesFor('reports.oversight');
      if (!who.roles.some((r) => allowed.includes(r))) {
        throw new ForbiddenException(
          `kind ${request.kind} needs one of the roles ${allowed.join(', ')} (duty reports.oversight)`,
        );
      }
      if (request.kind === 'weekly_audit') await this.weekDrawn(request.week);
    }
    const job = await this.jobs.enqueue({ request, format: body.format, unitId, requestedBy: who.name });
    this.worker.kick();
    return job;
  }

  async get(who: Principal, id: string): Promise<ReportJobView> {
    const job = await this.jobs.get(id, ownUnit(who) ?? undefined);
    if (!job) throw new NotFoundException(`report job ${id} not found`);
    return job;
  }

  list(who: Principal, query: ListReportJobsQueryDto) {
    return this.jobs.list({
      unitId: ownUnit(who) ?? undefined,
      kind: query.kind,
      status: query.status,
      trigger: query.trigger,
      limit: query.limit,
      offset: query.offset,
    });
  }

  async file(who: Principal, id: string) {
    const job = await this.get(who, id);
    if (job.status === 'failed') throw new ConflictException(`report job ${id} failed: ${job.error}`);
    const file = await this.jobs.file(id);
    if (!file) throw new ConflictException(`report job ${id} is ${job.status} (${job.progress} %): no file yet`);
    return file;
  }

  private requestOf(body: CreateReportJobDto): ReportRequest {
    switch (body.kind) {
      case 'activity':
        return {
          kind: 'activity',
          from: body.from!,
          to: body.to!,
          ...(body.vehicleId ? { vehicleId: body.vehicleId } : {}),
          ...(!body.vehicleId && body.unitId ? { unitId: body.unitId } : {}),
        };
      case 'weekly_audit':
        return { kind: 'weekly_audit', week: body.week! };
      case 'monthly_oversight':
        return { kind: 'monthly_oversight', year: body.year!, month: body.month! };
    }
  }

  /**
   * The cars an activity report of this caller covers: the car, the unit, or the fleet; a unit clerk who
   * names neither gets their own unit. `reportUnit` is the unit the report belongs to (whose clerk may read
   * it), null for the fleet.
   */
  private async scopeOf(
    who: Principal,
    scope: { vehicleId?: string; unitId?: string },
  ): Promise<{ unitId?: string; reportUnit: string | null }> {
    const own = ownUnit(who);
    if (scope.vehicleId) {
      const cars: { unit_id: string }[] = await this.db.query('SELECT unit_id FROM vehicles WHERE id = $1', [
        scope.vehicleId,
      ]);
      if (cars.length === 0 || (own !== null && cars[0].unit_id !== own)) {
        throw new NotFoundException(`vehicle ${scope.vehicleId} not found`);
      }
      return { reportUnit: cars[0].unit_id };
    }
    const unitId = scope.unitId ?? own ?? undefined;
    if (!unitId) return { reportUnit: null };
    if (own !== null && unitId !== own) {
      throw new ForbiddenException('a unit clerk may have reports of their own unit’s cars only');
    }
    const units: unknown[] = await this.db.query('SELECT 1 FROM units WHERE id = $1', [unitId]);
    if (units.length === 0) throw new NotFoundException(`unit ${unitId} not found`);
    return { unitId, reportUnit: unitId };
  }

  private async weekDrawn(week: string): Promise<void> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM audit_weeks WHERE iso_week = $1', [week]);
    if (rows.length === 0) throw new NotFoundException(`the audit of ${week} has not been drawn`);
  }
}
