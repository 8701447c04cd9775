import { Module } from '@nestjs/common';
import { CaseFilesModule } from '../case-files/case-files.module.js';
import { ChainWatch } from './chain-watch.service.js';
import { HistoryController } from './history.controller.js';

/** REST face of the shared history (the HistoryService itself is global). */
@Module({
  imports: [CaseFilesModule],
  controllers: [HistoryController],
  providers: [ChainWatch],
  exports: [ChainWatch],
})
export class HistoryApiModule {}
