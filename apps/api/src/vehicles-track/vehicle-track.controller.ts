import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { May } from '#app/auth';
import { checkRange, parseInstant } from './time-range.js';
import { MAX_TRACK_DAYS, VehicleTrackQuery } from './vehicle-track.dto.js';
import { VehicleTrackService } from './vehicle-track.service.js';

@ApiTags('vehicles')
@ApiBearerAuth()
@Controller('v1/vehicles')
@May('fleet.watch')
export class VehicleTrackController {
  constructor(private readonly tracks: VehicleTrackService) {}

  @Get(':id/track')
  @ApiOperation({
    summary: "A car's track as GeoJSON",
    description:
      'A FeatureCollection: first a LineString through the valid fixes in fix-time order (when there are at ' +
      'least two), then one feature per fix with fixTime, speed, ignition and alarm flags; a fix without GNSS ' +
      `lock has a null geometry. from < to, at most ${MAX_TRACK_DAYS} days apart.`,
  })
  @ApiOkResponse({ description: 'GeoJSON FeatureCollection.' })
  track(@Param('id', new ParseUUIDPipe()) id: string, @Query() query: VehicleTrackQuery) {
    const from = parseInstant(query.from, 'from');
    const to = parseInstant(query.to, 'to');
    checkRange(from, to, MAX_TRACK_DAYS);
    return this.tracks.track(id, from, to);
  }
}
