import { Module } from '@nestjs/common';
import { FleetLiveController } from './fleet-live.controller.js';
import { FleetLiveService } from './fleet-live.service.js';
import { FleetStreamService } from './fleet-stream.service.js';

@Module({
  controllers: [FleetLiveController],
  providers: [FleetLiveService, FleetStreamService],
})
export class FleetModule {}
