import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Infrastructure } from './infrastructure.js';

export const INFRA = Symbol('INFRA');

@Global()
@Module({})
export class InfraModule {
  static forRoot(infra: Infrastructure): DynamicModule {
    return { module: InfraModule, providers: [{ provide: INFRA, useValue: infra }], exports: [INFRA] };
  }
}
