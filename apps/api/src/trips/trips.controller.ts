import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { May } from '#app/auth';
import { ListTripsQueryDto } from './trips.dto.js';
import { TripsService } from './trips.service.js';

@ApiTags('trips')
@ApiBearerAuth()
@Controller('v1/vehicles/:id/trips')
export class TripsController {
  constructor(private readonly trips: TripsService) {}

  /** A car's trips, newest first, each with its distance and the distance driven outside working time. */
  @Get()
  @May('trips.read')
  list(@Param('id', ParseUUIDPipe) id: string, @Query() query: ListTripsQueryDto) {
    return this.trips.list(id, query);
  }
}
