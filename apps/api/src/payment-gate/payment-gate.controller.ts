import { BadRequestException, Body, Controller, Get, HttpCode, Post, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { isCalendarDate } from '#app/calendar';
import { parseCheckRequest } from './check-request.js';
import { FailClosedFilter } from './fail-closed.filter.js';
import { observeGate } from './gate-metrics.js';
import { CheckRequestDto, CheckResponseDto, ListChecksQueryDto } from './payment-gate.dto.js';
import { PaymentGateService } from './payment-gate.service.js';

@ApiTags('payment-gate')
@ApiBearerAuth()
@Controller('v1/payment-gate')
@UseFilters(FailClosedFilter)
export class PaymentGateController {
  constructor(private readonly gate: PaymentGateService) {}

  /** May finance pay this expense? Always a recorded decision, or 503 when the platform cannot decide. */
  @Post('checks')
  @May('payment.check')
  @HttpCode(200)
  @ApiBody({ type: CheckRequestDto })
  @ApiOkResponse({ type: CheckResponseDto })
  @ApiServiceUnavailableResponse({ description: 'the platform cannot decide now: do not pay' })
  async check(@Body() body: Record<string, unknown>, @CurrentPrincipal() principal: Principal) {
    // Checked here rather than by the global pipe, so a future date is named together with other faults.
    const parsed = parseCheckRequest(body, this.gate.today(), {
      now: this.gate.now(),
      timeZone: this.gate.timeZone(),
    });
    if (!parsed.ok) throw new BadRequestException(parsed.errors);
    const began = performance.now();
    try {
      const answer = await this.gate.check(parsed.request, principal.name);
      observeGate(began, answer);
      return answer;
    } catch (error) {
      observeGate(began, { error });
      throw error;
    }
  }

  @Get('checks')
  @May('payment.read')
  list(@Query() query: ListChecksQueryDto) {
    const bad = (['from', 'to'] as const).filter((k) => query[k] !== undefined && !isCalendarDate(query[k]!));
    if (bad.length > 0) throw new BadRequestException(bad.map((k) => `${k} must be a date YYYY-MM-DD`));
    if (query.from && query.to && query.from > query.to) {
      throw new BadRequestException(['from must not be after to']);
    }
    return this.gate.list(query);
  }
}
