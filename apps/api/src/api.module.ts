import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '#app/auth';
import { ConfigModule, type AppConfig } from '#app/config';
import { DatabaseModule, ENTITIES } from '#app/db';
import { HistoryModule } from '#app/history';
import { InfraModule, type Infrastructure } from '#app/infra';
import { ApiKeysController } from './api-keys/api-keys.controller.js';
import { AuthController } from './auth/auth.controller.js';
import { HealthController } from './health/health.controller.js';
import { UsersController } from './users/users.controller.js';

/** Feature modules of the REST API; each capability adds itself here. */
const FEATURES: DynamicModule['imports'] = [];

@Module({})
export class ApiModule {
  static register(config: AppConfig, infra: Infrastructure): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        InfraModule.forRoot(infra),
        DatabaseModule.forRoot(infra.databaseUrl),
        TypeOrmModule.forFeature(ENTITIES),
        AuthModule,
        HistoryModule,
        ...(FEATURES ?? []),
      ],
      controllers: [HealthController, AuthController, ApiKeysController, UsersController],
    };
  }
}
