import { Global, Module, type DynamicModule } from '@nestjs/common';

/** Where the apps read the time (the scheduler, the audit workflow, health warnings), so tests can pin it. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date | string): Clock & { set(at: Date | string): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current),
    set(next) {
      current = new Date(next);
    },
  };
}

/** Provides the one clock of an app (CLOCK) to all its modules; tests pass a pinned one. */
@Global()
@Module({})
export class ClockModule {
  static register(clock: Clock = systemClock): DynamicModule {
    return { module: ClockModule, providers: [{ provide: CLOCK, useValue: clock }], exports: [CLOCK] };
  }
}
