import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { May } from '#app/auth';
import { FleetLiveQuery, FleetLiveView } from './fleet-live.dto.js';
import { FleetLiveService, toGeoJson } from './fleet-live.service.js';

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('v1/fleet')
@May('fleet.watch')
export class FleetLiveController {
  constructor(private readonly fleet: FleetLiveService) {}

  @Get('live')
  @ApiOperation({
    summary: "Every active car's latest position and link state",
    description:
      'One entry per active car with its open terminal binding and latest accepted fix. `state` is `online` when ' +
      'the terminal last said so on its status topic and something arrived within OFFLINE_AFTER_SECONDS, ' +
      '`never_reported` when no message ever arrived, `offline` otherwise; `counts` adds them up.',
  })
  @ApiOkResponse({
    type: FleetLiveView,
    description: 'The fleet; with `format=geojson` a FeatureCollection of points with the same fields as properties.',
  })
  async live(@Query() query: FleetLiveQuery) {
    const live = await this.fleet.live(query.unitId);
    return query.format === 'geojson' ? toGeoJson(live) : live;
  }
}
