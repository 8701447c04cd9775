import { Controller, Get, Headers, Logger, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ServerResponse } from 'node:http';
import { May } from '#app/auth';
import { checkRange, parseInstant } from './time-range.js';
import { decodeCursor } from './track-cursor.js';
import { negotiateCoding, sendJsonPieces } from './track-encoding.js';
import { MAX_TRACK_DAYS, VehicleTrackQuery } from './vehicle-track.dto.js';
import { VehicleTrackService } from './vehicle-track.service.js';

@ApiTags('vehicles')
@ApiBearerAuth()
@Controller('v1/vehicles')
@May('fleet.watch')
export class VehicleTrackController {
  private readonly log = new Logger('VehicleTrack');

  constructor(private readonly tracks: VehicleTrackService) {}

  @Get(':id/track')
  @ApiOperation({
    summary: "A car's track as GeoJSON or in the compact form",
    description:
      'By default a FeatureCollection: first a LineString through the valid fixes in fix-time order (when there ' +
      'are at least two), then one feature per fix with fixTime, speed, ignition and alarm flags; a fix without ' +
      'GNSS lock has a null geometry. `format=compact` answers the same fixes column by column (docs/api.md). ' +
      '`simplify` thins the track for drawing; `limit` and `after` page through it. The answer is sent as it is ' +
      'read, gzip- or brotli-compressed when Accept-Encoding asks for it. ' +
      `from < to, at most ${MAX_TRACK_DAYS} days apart.`,
  })
  @ApiOkResponse({ description: 'GeoJSON FeatureCollection, or the compact form.' })
  async track(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: VehicleTrackQuery,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Res() res: ServerResponse,
  ): Promise<void> {
    const from = parseInstant(query.from, 'from');
    const to = parseInstant(query.to, 'to');
    checkRange(from, to, MAX_TRACK_DAYS);
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    const pieces = this.tracks.track({
      vehicleId: id,
      from,
      to,
      format: query.format ?? 'geojson',
      simplifyM: query.simplify ?? null,
      limit: query.limit,
      after,
    });
    await sendJsonPieces(res, pieces, negotiateCoding(acceptEncoding), (error) =>
      this.log.error(`the track of vehicle ${id} broke off: ${(error as Error).message}`),
    );
  }
}
