import { Controller, Get, Headers, Inject, NotFoundException, Res, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '#app/auth';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { bearerMatches, metricsText } from '#app/metrics';

/**
 * Prometheus's scrape on the API port, for a deployment that cannot reach the metrics listener (METRICS_PORT).
 * The API port faces users, so this route exists only with METRICS_TOKEN and answers only that bearer: it is
 * a machine's credential, not a role, and no user token or API key passes.
 */
@ApiTags('health')
@ApiBearerAuth('metricsToken')
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get()
  async metrics(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    const token = this.config.metricsToken;
    if (!token) {
      throw new NotFoundException('metrics are served on this port only with METRICS_TOKEN set (or at METRICS_PORT)');
    }
    if (!bearerMatches(authorization, token)) {
      throw new UnauthorizedException('Authorization: Bearer <METRICS_TOKEN> is required');
    }
    const { body, contentType } = await metricsText();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', contentType);
    res.send(body);
  }
}
