import { DynamicModule, Module } from '@nestjs/common';
import { AuditCoreModule } from '#app/audit';
import { ClockModule, type Clock } from '#app/calendar';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule } from '#app/db';
import { HistoryModule } from '#app/history';
import { InfraModule, type Infrastructure } from '#app/infra';
import { EmailSender, NotificationsModule, type NotificationOptions } from '#app/notifications';
import { ArchiveChannel, ReportsCoreModule, type ReportDeliveryChannel } from '#app/reports';
import { AUDIT_JOB_OPTIONS, AuditDrawJob, type AuditJobOptions } from './audit-draw.job.js';
import { EmailReportChannel } from './report-email.channel.js';
import {
  POSITIONS_LIFECYCLE_OPTIONS,
  PositionsLifecycleJob,
  type PositionsLifecycleOptions,
} from './positions-lifecycle.job.js';
import { MONTHLY_REPORT_OPTIONS, MonthlyReportJob, type MonthlyReportOptions } from './monthly-report.job.js';

export interface SchedulerOptions {
  /** Pinned in tests; the system clock otherwise. */
  clock?: Clock;
  audit?: Partial<AuditJobOptions>;
  notifications?: Partial<NotificationOptions>;
  monthlyReport?: Partial<MonthlyReportOptions>;
  positionsLifecycle?: Partial<PositionsLifecycleOptions>;
  /**
   * Where scheduled reports go besides the archive in the service (which always receives them): e-mail or
   * webhook channels of a notification module plug in here.
   */
  reportChannels?: ReportDeliveryChannel[];
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
        ReportsCoreModule.register({
          deliveryChannels: [new ArchiveChannel(), ...leaders(config), ...(options.reportChannels ?? [])],
        }),
      ],
      providers: [
        { provide: AUDIT_JOB_OPTIONS, useValue: { checkEveryMs: 60_000, ...options.audit } },
        AuditDrawJob,
        { provide: MONTHLY_REPORT_OPTIONS, useValue: { checkEveryMs: 60_000, ...options.monthlyReport } },
        MonthlyReportJob,
        { provide: POSITIONS_LIFECYCLE_OPTIONS, useValue: { checkEveryMs: 600_000, ...options.positionsLifecycle } },
        PositionsLifecycleJob,
      ],
    };
  }
}

/** The district leaders' copy of the monthly report by e-mail, when REPORT_RECIPIENTS names them. */
function leaders(config: AppConfig): ReportDeliveryChannel[] {
  const n = config.notifications;
  if (n.reportRecipients.length === 0) return [];
  return [new EmailReportChannel(new EmailSender(n.smtpUrl, n.smtpFrom, n.timeoutSeconds * 1000), n.reportRecipients)];
}
