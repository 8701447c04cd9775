import { DynamicModule, Module } from '@nestjs/common';
import { AuditDrawService } from './audit-draw.service.js';
import { CLOCK, type Clock } from '#app/calendar';

/**
 * The draw and the clock it reads. An app that has its one clock (the API's global ClockModule) passes
 * none, so the draw reads that clock, pinned or not; the scheduler passes its own. Needs HistoryModule and
 * the config.
 */
@Module({})
export class AuditCoreModule {
  static register(clock?: Clock): DynamicModule {
    const clockProvider = clock ? [{ provide: CLOCK, useValue: clock }] : [];
    return {
      module: AuditCoreModule,
      providers: [...clockProvider, AuditDrawService],
      exports: [...(clock ? [CLOCK] : []), AuditDrawService],
    };
  }
}
