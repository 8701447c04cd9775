import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { CreatePurchaseRequestDto, PreReviewDto, StandardDto } from './purchase-requests.dto.js';
import { ReasonDto } from '../meetings/meetings.dto.js';
import { PurchaseRequestsService } from './purchase-requests.service.js';

@ApiTags('purchase-requests')
@ApiBearerAuth()
@Controller('v1/purchase-requests')
export class PurchaseRequestsController {
  constructor(private readonly requests: PurchaseRequestsService) {}

  @Post()
  @May('purchases.request')
  create(@Body() body: CreatePurchaseRequestDto, @CurrentPrincipal() who: Principal) {
    return this.requests.create(body, who);
  }

  @Get()
  @May('purchases.read')
  @ApiQuery({ name: 'status', required: false })
  list(@CurrentPrincipal() who: Principal, @Query('status') status?: string) {
    return this.requests.list(who, status);
  }

  /** The price and engine limits per category that pre-review applies. */
  @Get('standards')
  @May('purchases.read')
  standards() {
    return this.requests.standards();
  }

  @Put('standards')
  @May('settings')
  setStandard(@Body() body: StandardDto, @CurrentPrincipal() who: Principal) {
    return this.requests.setStandard(body, who);
  }

  @Get(':id')
  @May('purchases.read')
  get(@Param('id', new ParseUUIDPipe()) id: string, @CurrentPrincipal() who: Principal) {
    return this.requests.get(id, undefined, who);
  }

  @Post(':id/pre-review')
  @HttpCode(200)
  @May('purchases.pre-review')
  preReview(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: PreReviewDto,
    @CurrentPrincipal() who: Principal,
  ) {
    return this.requests.preReview(id, body, who);
  }

  /** The unit takes its request back before its meeting begins; counted as withdrawn, not as saved. */
  @Post(':id/withdraw')
  @HttpCode(200)
  @May('purchases.request')
  withdraw(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: ReasonDto, @CurrentPrincipal() who: Principal) {
    return this.requests.withdraw(id, body, who);
  }
}
