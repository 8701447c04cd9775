import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '#app/auth';
import { loadDashboardPage, type DashboardPage } from './dashboard-page.js';

/** The part of the HTTP response this controller touches (the platform's own type is not a dependency). */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

/** The web dashboard of the vehicle centre and the inspectors: one static page outside the /api prefix. */
@ApiExcludeController()
@Controller()
export class DashboardController {
  private readonly page: DashboardPage = loadDashboardPage();

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
}
