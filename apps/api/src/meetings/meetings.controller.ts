import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '#app/auth';
import { AgendaItemDto, AttendanceDto, CreateMeetingDto, MinutesDto, VoteDto } from './meetings.dto.js';
import { MeetingsService } from './meetings.service.js';

const Id = () => new ParseUUIDPipe();

@ApiTags('meetings')
@ApiBearerAuth()
@Controller('v1/meetings')
export class MeetingsController {
  constructor(private readonly meetings: MeetingsService) {}

  @Post()
  @Roles('centre')
  create(@Body() body: CreateMeetingDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.create(body, who);
  }

  @Get()
  @Roles('centre', 'member', 'inspector')
  list() {
    return this.meetings.list();
  }

  @Get(':id')
  @Roles('centre', 'member', 'inspector')
  get(@Param('id', Id()) id: string) {
    return this.meetings.get(id);
  }

  @Post(':id/agenda')
  @Roles('centre')
  addAgendaItem(@Param('id', Id()) id: string, @Body() body: AgendaItemDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.addAgendaItem(id, body, who);
  }

  @Post(':id/attendance')
  @HttpCode(200)
  @Roles('centre')
  attendance(@Param('id', Id()) id: string, @Body() body: AttendanceDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.recordAttendance(id, body, who);
  }

  @Post(':id/items/:itemId/votes')
  @Roles('member')
  vote(
    @Param('id', Id()) id: string,
    @Param('itemId', Id()) itemId: string,
    @Body() body: VoteDto,
    @CurrentPrincipal() who: Principal,
  ) {
    return this.meetings.vote(id, itemId, body, who);
  }

  @Post(':id/items/:itemId/decide')
  @HttpCode(200)
  @Roles('centre')
  decide(@Param('id', Id()) id: string, @Param('itemId', Id()) itemId: string, @CurrentPrincipal() who: Principal) {
    return this.meetings.decide(id, itemId, who);
  }

  @Post(':id/minutes')
  @HttpCode(200)
  @Roles('centre')
  minutes(@Param('id', Id()) id: string, @Body() body: MinutesDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.recordMinutes(id, body, who);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles('centre')
  close(@Param('id', Id()) id: string, @CurrentPrincipal() who: Principal) {
    return this.meetings.close(id, who);
  }
}
