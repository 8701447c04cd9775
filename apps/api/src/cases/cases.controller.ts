import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { isCalendarDate } from '#app/calendar';
import { AssignDto, AttachmentDto, ListCasesQueryDto, NoteDto, TransitionDto } from './cases.dto.js';
import { CasesService } from './cases.service.js';

/** Violation cases: inspectors work them, the vehicle centre may read them. */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('v1/cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  @Get()
  @May('cases.read')
  list(@Query() query: ListCasesQueryDto) {
    const bad = (['from', 'to'] as const).filter((k) => query[k] !== undefined && !isCalendarDate(query[k]!));
    if (bad.length > 0) throw new BadRequestException(bad.map((k) => `${k} must be a date YYYY-MM-DD`));
    return this.cases.list(query);
  }

  @Get(':id')
  @May('cases.read')
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.cases.get(id);
  }

  /** Moves the case along its workflow; a move the workflow does not allow is 409 naming the allowed ones. */
  @Post(':id/transitions')
  @May('cases.work')
  @HttpCode(200)
  @ApiConflictResponse({ description: 'the case cannot make this transition; `allowed` lists the next states' })
  transition(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: TransitionDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.cases.transition(id, body, principal.name);
  }

  @Put(':id/assignee')
  @May('cases.work')
  assign(@Param('id', ParseUUIDPipe) id: string, @Body() body: AssignDto, @CurrentPrincipal() principal: Principal) {
    return this.cases.assign(id, body.inspectorId, principal.name);
  }

  @Post(':id/attachments')
  @May('cases.work')
  addAttachment(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: AttachmentDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.cases.addAttachment(id, body, principal.name);
  }

  @Get(':id/attachments')
  @May('cases.read')
  attachments(@Param('id', ParseUUIDPipe) id: string) {
    return this.cases.attachments(id);
  }

  @Post(':id/notes')
  @May('cases.work')
  addNote(@Param('id', ParseUUIDPipe) id: string, @Body() body: NoteDto, @CurrentPrincipal() principal: Principal) {
    return this.cases.addNote(id, body.text, principal.name);
  }
}
