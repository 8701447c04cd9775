import { DynamicModule, Module } from '@nestjs/common';
import { AuditCoreModule } from '#app/audit';
import { systemClock, type Clock } from '#app/calendar';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule } from '#app/db';
import { HistoryModule } from '#app/history';
import { InfraModule, type Infrastructure } from '#app/infra';
import { AUDIT_JOB_OPTIONS, AuditDrawJob, type AuditJobOptions } from './audit-draw.job.js';

export interface SchedulerOptions {
  /** Pinned in tests; the system clock otherwise. */
  clock?: Clock;
  audit?: Partial<AuditJobOptions>;
}

@Module({})
export class SchedulerModule {
  static register(config: AppConfig, infra: Infrastructure, options: SchedulerOptions = {}): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(infra),
        DatabaseModule.forRoot(infra.databaseUrl, 4),
        HistoryModule,
        AuditCoreModule.register(options.clock ?? systemClock),
      ],
      providers: [{ provide: AUDIT_JOB_OPTIONS, useValue: { checkEveryMs: 60_000, ...options.audit } }, AuditDrawJob],
    };
  }
}
