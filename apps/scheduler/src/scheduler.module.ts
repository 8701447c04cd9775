import { DynamicModule, Module } from '@nestjs/common';
import { AuditCoreModule } from '#app/audit';
import { ClockModule, type Clock } from '#app/calendar';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule } from '#app/db';
import { HistoryModule } from '#app/history';
import { InfraModule, type Infrastructure } from '#app/infra';
import { NotificationsModule, type NotificationOptions } from '#app/notifications';
import { AUDIT_JOB_OPTIONS, AuditDrawJob, type AuditJobOptions } from './audit-draw.job.js';

export interface SchedulerOptions {
  /** Pinned in tests; the system clock otherwise. */
  clock?: Clock;
  audit?: Partial<AuditJobOptions>;
  notifications?: Partial<NotificationOptions>;
}

@Module({})
export class SchedulerModule {
  static register(config: AppConfig, infra: Infrastructure, options: SchedulerOptions = {}): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [
        // The one clock of the app: the audit draw and the notification sender read it.
        ClockModule.register(options.clock),
        ConfigModule.forRoot(config),
        InfraModule.forRoot(infra),
        DatabaseModule.forRoot(infra.databaseUrl, 4),
        HistoryModule,
        AuditCoreModule.register(),
        NotificationsModule.register(options.notifications),
      ],
      providers: [{ provide: AUDIT_JOB_OPTIONS, useValue: { checkEveryMs: 60_000, ...options.audit } }, AuditDrawJob],
    };
  }
}
