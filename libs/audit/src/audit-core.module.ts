import { DynamicModule, Module } from '@nestjs/common';
import { AuditDrawService } from './audit-draw.service.js';
import { CLOCK, systemClock, type Clock } from '#app/calendar';

/** The draw and the clock it reads; apps pass a pinned clock in tests. Needs HistoryModule and the config. */
@Module({})
export class AuditCoreModule {
  static register(clock: Clock = systemClock): DynamicModule {
    return {
      module: AuditCoreModule,
      providers: [{ provide: CLOCK, useValue: clock }, AuditDrawService],
      exports: [CLOCK, AuditDrawService],
    };
  }
}
