import {
  Controller,
  Get,
  HttpStatus,
  Res,
  ServiceUnavailableException,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '#app/auth';
import { databaseCheck, liveness, readiness, watchDependency, type Liveness, type Readiness } from '#app/metrics';
import { CalendarService, type ServiceWarning } from '../calendar/calendar.service.js';
import { ChainWatch } from '../history/chain-watch.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController implements OnModuleInit, OnModuleDestroy {
  private unwatch?: () => void;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly calendar: CalendarService,
    private readonly chain: ChainWatch,
  ) {}

  /** The API is ready while its database answers; the other apps of the process add their own needs. */
  onModuleInit(): void {
    this.unwatch = watchDependency('api', 'database', databaseCheck(this.db));
  }

  onModuleDestroy(): void {
    this.unwatch?.();
  }

  /** Up or not, and what the centre should act on (`warnings`, e.g. next year's holiday schedule missing, a broken history chain). */
  @Get()
  @Public()
  async health(): Promise<{ status: 'ok'; database: 'up'; warnings: ServiceWarning[] }> {
    let warnings: ServiceWarning[];
    try {
      warnings = await this.calendar.warnings();
    } catch {
      throw new ServiceUnavailableException({ status: 'error', database: 'down' });
    }
    return { status: 'ok', database: 'up', warnings: [...warnings, ...this.chain.warnings()] };
  }

  /** Liveness for an orchestrator: the process answers. A lost database does not make it dead. */
  @Get('live')
  @Public()
  live(): Liveness {
    return liveness();
  }

  /**
   * Readiness: started, not stopping, and every dependency of every app in this process answers (503 with the
   * same body otherwise, naming what is down).
   */
  @Get('ready')
  @Public()
  async ready(@Res({ passthrough: true }) res: Response): Promise<Readiness> {
    const state = await readiness();
    if (state.status !== 'ready') res.status(HttpStatus.SERVICE_UNAVAILABLE);
    return state;
  }
}
