import { Module } from '@nestjs/common';
import { VehicleTrackController } from './vehicle-track.controller.js';
import { VehicleTrackService } from './vehicle-track.service.js';

@Module({ controllers: [VehicleTrackController], providers: [VehicleTrackService] })
export class VehicleTrackModule {}
