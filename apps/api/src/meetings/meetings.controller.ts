import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import {
  AgendaItemDto,
  AttendanceDto,
  CreateMeetingDto,
  DecideDto,
  MinutesDto,
  ReasonDto,
  VoteDto,
} from './meetings.dto.js';
import { MeetingsService } from './meetings.service.js';

const Id = () => new ParseUUIDPipe();

@ApiTags('meetings')
@ApiBearerAuth()
@Controller('v1/meetings')
export class MeetingsController {
  constructor(private readonly meetings: MeetingsService) {}

  @Post()
  @May('meetings.run')
  create(@Body() body: CreateMeetingDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.create(body, who);
  }

  @Get()
  @May('meetings.read')
  list() {
    return this.meetings.list();
  }

  @Get(':id')
  @May('meetings.read')
  get(@Param('id', Id()) id: string) {
    return this.meetings.get(id);
  }

  @Post(':id/agenda')
  @May('meetings.run')
  addAgendaItem(@Param('id', Id()) id: string, @Body() body: AgendaItemDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.addAgendaItem(id, body, who);
  }

  @Post(':id/attendance')
  @HttpCode(200)
  @May('meetings.run')
  attendance(@Param('id', Id()) id: string, @Body() body: AttendanceDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.recordAttendance(id, body, who);
  }

  @Post(':id/items/:itemId/votes')
  @May('meetings.vote')
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
  @May('meetings.run')
  decide(
    @Param('id', Id()) id: string,
    @Param('itemId', Id()) itemId: string,
    @Body() body: DecideDto,
    @CurrentPrincipal() who: Principal,
  ) {
    return this.meetings.decide(id, itemId, body, who);
  }

  /** Takes an undecided item off the meeting with a reason; its request can go on another meeting. */
  @Post(':id/items/:itemId/withdraw')
  @HttpCode(200)
  @May('meetings.run')
  withdraw(
    @Param('id', Id()) id: string,
    @Param('itemId', Id()) itemId: string,
    @Body() body: ReasonDto,
    @CurrentPrincipal() who: Principal,
  ) {
    return this.meetings.withdrawItem(id, itemId, body, who);
  }

  /** Ends the meeting for now; undecided items go back to awaiting a meeting. */
  @Post(':id/adjourn')
  @HttpCode(200)
  @May('meetings.run')
  adjourn(@Param('id', Id()) id: string, @Body() body: ReasonDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.end(id, 'adjourned', body, who);
  }

  /** Calls the meeting off; undecided items go back to awaiting a meeting. */
  @Post(':id/cancel')
  @HttpCode(200)
  @May('meetings.run')
  cancel(@Param('id', Id()) id: string, @Body() body: ReasonDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.end(id, 'cancelled', body, who);
  }

  @Post(':id/minutes')
  @HttpCode(200)
  @May('meetings.run')
  minutes(@Param('id', Id()) id: string, @Body() body: MinutesDto, @CurrentPrincipal() who: Principal) {
    return this.meetings.recordMinutes(id, body, who);
  }

  @Post(':id/close')
  @HttpCode(200)
  @May('meetings.run')
  close(@Param('id', Id()) id: string, @CurrentPrincipal() who: Principal) {
    return this.meetings.close(id, who);
  }
}
