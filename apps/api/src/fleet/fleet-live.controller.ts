import { Controller, Get, Headers, NotAcceptableException, Query, Sse, type MessageEvent } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { FleetLiveQuery, FleetLiveView } from './fleet-live.dto.js';
import { FleetLiveService, toGeoJson } from './fleet-live.service.js';
import { FleetStreamService } from './fleet-stream.service.js';

@ApiTags('fleet')
@ApiBearerAuth()
@Controller('v1/fleet')
@May('fleet.watch')
export class FleetLiveController {
  constructor(
    private readonly fleet: FleetLiveService,
    private readonly stream: FleetStreamService,
  ) {}

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

  @Sse('stream')
  @ApiOperation({
    summary: 'Server-Sent Events: the fleet as it changes',
    description:
      'After loading `GET /fleet/live`, a map listens here. Events: `positions` (a list of cars whose terminal ' +
      'was heard since the last event, with their new fix and link state), `findings` (violations and ' +
      'suspicions just detected), `notifications` (findings a notification rule sends to the signed-in user ' +
      'on the dashboard channel; to that user only), `ping` every 15 s. A position reaches the listener about a ' +
      'second after the gateway received it. Requires `Accept: text/event-stream` (406 otherwise).',
  })
  events(
    @Headers('accept') accept: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Observable<MessageEvent> {
    // A client that does not ask for a stream (a plain HTTP call) would wait forever: it gets an answer.
    if (!accept?.includes('text/event-stream')) {
      throw new NotAcceptableException('this is an event stream: send Accept: text/event-stream');
    }
    const listener = principal.kind === 'user' ? principal.id : undefined;
    return this.stream.watch(listener).pipe(map((event) => ({ type: event.type, data: event.data })));
  }
}
