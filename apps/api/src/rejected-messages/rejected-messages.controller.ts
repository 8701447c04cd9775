import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { May } from '#app/auth';
import { checkRange, parseInstant } from '../vehicles-track/time-range.js';
import { RejectedMessagesPage, RejectedMessagesQuery } from './rejected-messages.dto.js';
import { RejectedMessagesService } from './rejected-messages.service.js';

@ApiTags('rejected-messages')
@ApiBearerAuth()
@Controller('v1/rejected-messages')
@May('terminals.diagnose')
export class RejectedMessagesController {
  constructor(private readonly rejected: RejectedMessagesService) {}

  @Get()
  @ApiOkResponse({ type: RejectedMessagesPage })
  @ApiOperation({
    summary: 'Messages the gateway refused, newest first',
    description:
      'Each with its topic, terminal, reason code and detail; the stored payload (up to 4 KiB) as base64, and ' +
      'as text in `payloadPreview` when it is printable UTF-8. Page on with `cursor` = `nextCursor`.',
  })
  list(@Query() query: RejectedMessagesQuery) {
    const from = query.from === undefined ? undefined : parseInstant(query.from, 'from');
    const to = query.to === undefined ? undefined : parseInstant(query.to, 'to');
    if (from && to) checkRange(from, to);
    return this.rejected.list({
      terminalId: query.terminalId,
      reason: query.reason,
      from,
      to,
      limit: query.limit ?? 50,
      cursor: query.cursor,
    });
  }
}
