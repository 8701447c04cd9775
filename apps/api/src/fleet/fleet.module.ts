import { Module } from '@nestjs/common';
import { FleetClock } from './fleet-clock.js';
import { FleetLiveController } from './fleet-live.controller.js';
import { FleetLiveService } from './fleet-live.service.js';

@Module({
  controllers: [FleetLiveController],
  providers: [FleetLiveService, FleetClock],
})
export class FleetModule {}
