import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { May } from '#app/auth';
import { ListViolationsQueryDto } from './violations.dto.js';
import { ViolationsService } from './violations.service.js';

/** What the detector found: violations and (kept apart by `kind`) suspicions for review. */
@ApiTags('violations')
@ApiBearerAuth()
@Controller('v1/violations')
export class ViolationsController {
  constructor(private readonly violations: ViolationsService) {}

  /** Filters: car, unit, rule, kind, period of the start time; newest first. */
  @Get()
  @May('violations.read')
  list(@Query() query: ListViolationsQueryDto) {
    return this.violations.list(query);
  }

  /** One finding with its evidence and its track as a GeoJSON FeatureCollection (track, start, fence). */
  @Get(':id')
  @May('violations.read')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.violations.get(id);
  }
}
