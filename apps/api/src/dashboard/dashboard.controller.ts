import { Controller, Get, Header, Inject, NotFoundException, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '#app/auth';
import { APP_CONFIG, type AppConfig } from '#app/config';
import { loadDashboardPage, type DashboardPage } from './dashboard-page.js';

/** The part of the HTTP response this controller touches (the platform's own type is not a dependency). */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

/** The web app of the centre, inspectors, finance, units and meeting members, outside the /api prefix. */
@ApiExcludeController()
@Controller()
export class DashboardController {
  private readonly page: DashboardPage;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.page = loadDashboardPage(config.map);
  }

  @Get(['/', 'dashboard'])
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('Referrer-Policy', 'no-referrer')
  show(@Res({ passthrough: true }) res: HeaderSink): string {
    res.setHeader('Content-Security-Policy', this.page.contentSecurityPolicy);
    return this.page.html;
  }

  @Get('assets/:name')
  @Public()
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  asset(@Param('name') name: string): StreamableFile {
    const asset = this.page.assets.get(name);
    if (!asset) throw new NotFoundException(`no asset ${name}`);
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
