import { Module } from '@nestjs/common';
import { HistoryController } from './history.controller.js';

/** REST face of the shared history (the HistoryService itself is global). */
@Module({ controllers: [HistoryController] })
export class HistoryApiModule {}
