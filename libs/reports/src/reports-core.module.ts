import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { REPORT_DELIVERY_CHANNELS, ReportDelivery, type ReportDeliveryChannel } from './delivery.js';
import { OversightStats } from './oversight-stats.js';
import { ReportJobs } from './report-jobs.js';
import { ReportMaker } from './report-maker.js';

/**
 * Making reports and keeping their jobs. Needs the app's one clock (CLOCK), the config and the database. An
 * app that delivers scheduled reports (the scheduler) passes its delivery channels and needs HistoryModule.
 */
@Module({})
export class ReportsCoreModule {
  static register(options: { deliveryChannels?: ReportDeliveryChannel[] } = {}): DynamicModule {
    const delivery: Provider[] = options.deliveryChannels
      ? [{ provide: REPORT_DELIVERY_CHANNELS, useValue: options.deliveryChannels }, ReportDelivery]
      : [];
    return {
      module: ReportsCoreModule,
      providers: [OversightStats, ReportMaker, ReportJobs, ...delivery],
      exports: [OversightStats, ReportMaker, ReportJobs, ...(options.deliveryChannels ? [ReportDelivery] : [])],
    };
  }
}
