import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { May } from '#app/auth';
import { OversightStats } from '#app/reports';
import { StatsQueryDto } from './stats.dto.js';

@ApiTags('stats')
@ApiBearerAuth()
@Controller('v1/stats')
export class StatsController {
  constructor(private readonly stats: OversightStats) {}

  /** The year's figures (or one month's) with a monthly breakdown. */
  @Get()
  @May('stats.read')
  report(@Query() query: StatsQueryDto) {
    return this.stats.report(query.year, query.month);
  }
}
