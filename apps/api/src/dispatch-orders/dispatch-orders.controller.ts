import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { CreateDispatchOrderDto, DecisionDto, ListDispatchOrdersQuery } from './dispatch-orders.dto.js';
import { DispatchOrdersService } from './dispatch-orders.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

/** Dispatch orders (派车单): request by a unit, decision by the vehicle centre, read by the rules. */
@ApiTags('dispatch-orders')
@ApiBearerAuth()
@Controller('v1/dispatch-orders')
@May('dispatch.request')
export class DispatchOrdersController {
  constructor(private readonly orders: DispatchOrdersService) {}

  @Post()
  @ApiOperation({ summary: 'Request an order (unit clerks: cars of their own unit only)' })
  create(@Body() body: CreateDispatchOrderDto, @CurrentPrincipal() principal: Principal) {
    return this.orders.create(body, principal);
  }

  @Get()
  @May('dispatch.read')
  list(@Query() query: ListDispatchOrdersQuery, @CurrentPrincipal() principal: Principal) {
    return this.orders.list(query, principal);
  }

  @Get(':id')
  @May('dispatch.read')
  get(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.orders.get(id, principal);
  }

  @Post(':id/approve')
  @May('dispatch.decide')
  @HttpCode(200)
  approve(@Param('id', uuid) id: string, @Body() body: DecisionDto, @CurrentPrincipal() principal: Principal) {
    return this.orders.act(id, 'approve', principal, body.note);
  }

  @Post(':id/reject')
  @May('dispatch.decide')
  @HttpCode(200)
  reject(@Param('id', uuid) id: string, @Body() body: DecisionDto, @CurrentPrincipal() principal: Principal) {
    return this.orders.act(id, 'reject', principal, body.note);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.orders.act(id, 'cancel', principal);
  }

  @Post(':id/end')
  @HttpCode(200)
  @ApiOperation({ summary: 'End an approved order early: its end becomes now' })
  end(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.orders.act(id, 'end', principal);
  }
}
