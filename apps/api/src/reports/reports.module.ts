import { Module } from '@nestjs/common';
import { ReportsCoreModule } from '#app/reports';
import { ReportWorker } from './report-worker.js';
import { ReportJobsController, ReportsController } from './reports.controller.js';
import { ReportsService } from './reports.service.js';

@Module({
  imports: [ReportsCoreModule.register()],
  controllers: [ReportsController, ReportJobsController],
  providers: [ReportsService, ReportWorker],
})
export class ReportsModule {}
