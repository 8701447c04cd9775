import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule } from '#app/db';
import { InfraModule, type Infrastructure } from '#app/infra';

@Module({})
export class SchedulerModule {
  static register(config: AppConfig, infra: Infrastructure): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [ConfigModule.forRoot(config), InfraModule.forRoot(infra), DatabaseModule.forRoot(infra.databaseUrl, 4)],
    };
  }
}
