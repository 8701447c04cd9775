import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '#app/auth';
import { CalendarService, type ServiceWarning } from '../calendar/calendar.service.js';
import { ChainWatch } from '../history/chain-watch.service.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly calendar: CalendarService,
    private readonly chain: ChainWatch,
  ) {}

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
}
