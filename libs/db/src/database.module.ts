import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './migrate.js';

@Global()
@Module({})
export class DatabaseModule {
  /** One pool per app; the schema is migrated before any app starts. */
  static forRoot(url: string, poolSize = 10): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(url),
          extra: { max: poolSize, connectionTimeoutMillis: 5_000 },
        }),
      ],
      exports: [TypeOrmModule],
    };
  }
}
