import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule } from '#app/db';
import { HistoryModule } from '#app/history';
import { InfraModule, type Infrastructure } from '#app/infra';
import { DetectionEngine } from './detection/detection.engine.js';
import { DEFAULT_DETECTOR_OPTIONS, DETECTOR_OPTIONS, type DetectorOptions } from './detection/detector.options.js';
import { HANDOFF_SERVER, HandoffController } from './handoff-consumer/handoff.controller.js';
import type { PartitionedHandoffServer } from './handoff-consumer/partitioned-handoff.server.js';
import { PartitionLeases } from './partitions/partition-leases.js';

@Module({})
export class DetectorModule {
  /** `server`: the app's transport, which follows the hand-off topics of the partitions held. */
  static register(
    config: AppConfig,
    infra: Infrastructure,
    options: Partial<DetectorOptions> = {},
    server?: PartitionedHandoffServer,
  ): DynamicModule {
    return {
      module: DetectorModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(infra),
        DatabaseModule.forRoot(infra.databaseUrl, 4),
        HistoryModule,
      ],
      controllers: [HandoffController],
      providers: [
        { provide: DETECTOR_OPTIONS, useValue: { ...DEFAULT_DETECTOR_OPTIONS, ...options } },
        ...(server ? [{ provide: HANDOFF_SERVER, useValue: server }] : []),
        PartitionLeases,
        DetectionEngine,
      ],
      exports: [DetectionEngine],
    };
  }
}
