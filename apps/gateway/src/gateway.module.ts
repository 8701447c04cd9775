import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule } from '#app/db';
import { HistoryModule } from '#app/history';
import { InfraModule, type Infrastructure } from '#app/infra';
import { IngestService } from './ingest/ingest.service.js';
import { CommandDispatcherService } from './jt808/command-dispatcher.service.js';
import { Jt808ListenerService } from './jt808/jt808-listener.service.js';

@Module({})
export class GatewayModule {
  static register(config: AppConfig, infra: Infrastructure): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(infra),
        DatabaseModule.forRoot(infra.databaseUrl, 4),
        HistoryModule,
      ],
      providers: [IngestService, Jt808ListenerService, CommandDispatcherService],
      exports: [IngestService, Jt808ListenerService],
    };
  }
}
