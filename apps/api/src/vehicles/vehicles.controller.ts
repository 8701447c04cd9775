import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import {
  BindingsQuery,
  BindTerminalDto,
  CreateVehicleDto,
  DecommissionDto,
  ListVehiclesQuery,
  UnbindTerminalDto,
} from './vehicles.dto.js';
import { VehiclesService } from './vehicles.service.js';
import { uuidParam as uuid } from './validation.js';

/**
 * The fleet registry's cars and which terminal sits in each (roles centre/admin write; centre, inspector, finance
 * read; a unit clerk reads its own unit's cars only).
 */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('v1/vehicles')
@May('vehicles.read')
export class VehiclesController {
  constructor(private readonly vehicles: VehiclesService) {}

  @Post()
  @May('registry.write')
  @ApiOperation({ summary: 'Register a car; the plate is unique after normalising (spaces, ·, - removed, upper case)' })
  @ApiResponse({ status: 400, description: 'a bad field, or an unknown unitId; each one named' })
  @ApiResponse({ status: 409, description: 'the plate is already registered' })
  create(@Body() body: CreateVehicleDto, @CurrentPrincipal() principal: Principal) {
    return this.vehicles.create(body, principal);
  }

  @Get()
  @ApiOperation({ summary: 'Cars, filtered by unit, category and status, a page at a time (with the total)' })
  list(@Query() query: ListVehiclesQuery, @CurrentPrincipal() principal: Principal) {
    return this.vehicles.list(query, principal);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One car with its current terminal, last position time and online state' })
  detail(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.vehicles.detail(id, principal);
  }

  @Post(':id/decommission')
  @HttpCode(200)
  @May('registry.write')
  @ApiOperation({ summary: 'Take a car out of service on a day; its open terminal binding ends that day' })
  @ApiResponse({ status: 409, description: 'the car is already decommissioned' })
  decommission(@Param('id', uuid) id: string, @Body() body: DecommissionDto, @CurrentPrincipal() principal: Principal) {
    return this.vehicles.decommission(id, body.date, principal);
  }

  @Post(':id/terminal')
  @May('registry.write')
  @ApiOperation({
    summary: 'Bind a terminal to the car from a day on',
    description:
      'A car has at most one bound terminal and a terminal at most one car at a time; a binding starts after the previous one of the car and of the terminal ended. Decommissioned cars and inactive terminals cannot be bound.',
  })
  @ApiResponse({
    status: 400,
    description: 'a bad field, an unknown terminal, or a start that overlaps an earlier binding',
  })
  @ApiResponse({
    status: 409,
    description: 'the car or the terminal is bound already, the car is decommissioned or the terminal inactive',
  })
  bind(@Param('id', uuid) id: string, @Body() body: BindTerminalDto, @CurrentPrincipal() principal: Principal) {
    return this.vehicles.bind(id, body, principal);
  }

  @Delete(':id/terminal')
  @HttpCode(200)
  @May('registry.write')
  @ApiOperation({ summary: "End the car's current binding; `to` is its last day (inclusive)" })
  @ApiResponse({ status: 409, description: 'the car has no bound terminal' })
  unbind(@Param('id', uuid) id: string, @Body() body: UnbindTerminalDto, @CurrentPrincipal() principal: Principal) {
    return this.vehicles.unbind(id, body.to, principal);
  }

  @Get(':id/bindings')
  @ApiOperation({ summary: 'Every terminal binding the car has had, oldest first; with `on`, the one of that day' })
  bindings(@Param('id', uuid) id: string, @Query() query: BindingsQuery, @CurrentPrincipal() principal: Principal) {
    return this.vehicles.bindings(id, query.on, principal);
  }
}
