import { Module } from '@nestjs/common';
import { FleetLiveController } from './fleet-live.controller.js';
import { FleetLiveService } from './fleet-live.service.js';

@Module({
  controllers: [FleetLiveController],
  providers: [FleetLiveService],
})
export class FleetModule {}
