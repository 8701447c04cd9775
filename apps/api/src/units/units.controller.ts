import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { uuidParam as uuid } from '../vehicles/validation.js';
import { CreateUnitDto } from './units.dto.js';
import { UnitsService } from './units.service.js';

/** The district's units and their vehicle quotas (编制). */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('v1/units')
@May('registry.read')
export class UnitsController {
  constructor(private readonly units: UnitsService) {}

  @Post()
  @May('registry.write')
  @ApiOperation({ summary: 'Create a unit with its vehicle quota (编制)' })
  @ApiResponse({ status: 409, description: 'a unit of that name exists' })
  create(@Body() body: CreateUnitDto, @CurrentPrincipal() principal: Principal) {
    return this.units.create(body, principal);
  }

  @Get()
  @ApiOperation({ summary: 'Units with their quota and the number of cars in service' })
  list() {
    return this.units.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One unit with its quota and the number of cars in service' })
  get(@Param('id', uuid) id: string) {
    return this.units.get(id);
  }
}
