import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { AuditSettingsDto, MarkItemDto } from './audits.dto.js';
import { AuditsService } from './audits.service.js';

@ApiTags('audits')
@ApiBearerAuth()
@Controller('v1/audits')
export class AuditsController {
  constructor(private readonly audits: AuditsService) {}

  @Get()
  @May('audits.read')
  list() {
    return this.audits.list();
  }

  @Get('settings')
  @May('audits.read')
  async settings() {
    return { overdueDays: await this.audits.overdueDays() };
  }

  @Put('settings')
  @May('settings')
  setSettings(@Body() body: AuditSettingsDto, @CurrentPrincipal() who: Principal) {
    return this.audits.setSettings(body, who);
  }

  /** Draws the current week now, when the scheduler has not yet; 409 once it is drawn. */
  @Post('draw')
  @May('audits.draw')
  draw(@CurrentPrincipal() who: Principal) {
    return this.audits.drawNow(who);
  }

  @Get(':week')
  @May('audits.read')
  get(@Param('week') week: string) {
    return this.audits.get(week);
  }

  @Get(':week/verify')
  @May('audits.verify')
  verify(@Param('week') week: string) {
    return this.audits.verify(week);
  }

  @Post(':week/items/:itemId')
  @HttpCode(200)
  @May('audits.mark')
  mark(
    @Param('week') week: string,
    @Param('itemId', new ParseUUIDPipe()) itemId: string,
    @Body() body: MarkItemDto,
    @CurrentPrincipal() who: Principal,
  ) {
    return this.audits.mark(week, itemId, body, who);
  }
}
