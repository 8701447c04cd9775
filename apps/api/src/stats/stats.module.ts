import { Module } from '@nestjs/common';
import { OversightStats } from '#app/reports';
import { StatsController } from './stats.controller.js';

@Module({ controllers: [StatsController], providers: [OversightStats] })
export class StatsModule {}
