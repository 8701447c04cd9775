import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { memoryStorage } from 'multer';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { CaseFilesController, EvidenceTooLargeFilter } from './case-files.controller.js';
import { CaseFilesService } from './case-files.service.js';
import { EVIDENCE_STORE, PostgresEvidenceStore } from './evidence-store.js';

/** Evidence files on cases; the bytes go to the configured store (PostgreSQL by default). */
@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [APP_CONFIG],
      // In memory: the bytes are hashed, their type judged and written in one transaction; the limit bounds it.
      useFactory: (config: AppConfig) => ({
        storage: memoryStorage(),
        limits: { fileSize: config.evidenceMaxBytes, files: 1, fields: 4, fieldSize: 4096 },
      }),
    }),
  ],
  controllers: [CaseFilesController],
  providers: [CaseFilesService, EvidenceTooLargeFilter, { provide: EVIDENCE_STORE, useClass: PostgresEvidenceStore }],
  exports: [CaseFilesService],
})
export class CaseFilesModule {}
