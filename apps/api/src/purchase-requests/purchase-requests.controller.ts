import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '#app/auth';
import { CreatePurchaseRequestDto, PreReviewDto, StandardDto } from './purchase-requests.dto.js';
import { PurchaseRequestsService } from './purchase-requests.service.js';

@ApiTags('purchase-requests')
@ApiBearerAuth()
@Controller('v1/purchase-requests')
export class PurchaseRequestsController {
  constructor(private readonly requests: PurchaseRequestsService) {}

  @Post()
  @Roles('unit')
  create(@Body() body: CreatePurchaseRequestDto, @CurrentPrincipal() who: Principal) {
    return this.requests.create(body, who);
  }

  @Get()
  @Roles('unit', 'centre', 'member', 'inspector')
  @ApiQuery({ name: 'status', required: false })
  list(@CurrentPrincipal() who: Principal, @Query('status') status?: string) {
    return this.requests.list(who, status);
  }

  /** The price and engine limits per category that pre-review applies. */
  @Get('standards')
  @Roles('unit', 'centre', 'member', 'inspector')
  standards() {
    return this.requests.standards();
  }

  @Put('standards')
  @Roles('admin')
  setStandard(@Body() body: StandardDto, @CurrentPrincipal() who: Principal) {
    return this.requests.setStandard(body, who);
  }

  @Get(':id')
  @Roles('unit', 'centre', 'member', 'inspector')
  get(@Param('id', new ParseUUIDPipe()) id: string, @CurrentPrincipal() who: Principal) {
    return this.requests.get(id, undefined, who);
  }

  @Post(':id/pre-review')
  @HttpCode(200)
  @Roles('centre')
  preReview(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: PreReviewDto,
    @CurrentPrincipal() who: Principal,
  ) {
    return this.requests.preReview(id, body, who);
  }
}
