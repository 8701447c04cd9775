import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { CreateTerminalDto, TERMINAL_ID, UpdateTerminalDto } from './terminals.dto.js';
import { checkTerminalId, TerminalsService } from './terminals.service.js';

/** The in-car terminals: registration (secret shown once), listing, switching on and off. */
@ApiTags('registry')
@ApiBearerAuth()
@Controller('v1/terminals')
@May('registry.read')
export class TerminalsController {
  constructor(private readonly terminals: TerminalsService) {}

  @Post()
  @May('registry.write')
  @ApiOperation({ summary: 'Register a terminal; its MQTT secret is in this answer only, the service keeps a hash' })
  @ApiResponse({ status: 409, description: 'the terminal id is registered already' })
  create(@Body() body: CreateTerminalDto, @CurrentPrincipal() principal: Principal) {
    return this.terminals.create(body, principal);
  }

  @Get()
  @ApiOperation({ summary: 'Terminals with the car each sits in now' })
  list() {
    return this.terminals.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One terminal with the car it sits in now' })
  get(@Param('id') id: string) {
    return this.terminals.get(checkTerminalId(id, TERMINAL_ID));
  }

  @Post(':id/secret')
  @May('registry.write')
  @ApiOperation({ summary: 'Issue a new secret to a terminal (the old one stops working at once); shown only here' })
  @ApiResponse({ status: 404, description: 'no such terminal' })
  rotateSecret(@Param('id') id: string, @CurrentPrincipal() principal: Principal) {
    return this.terminals.rotateSecret(checkTerminalId(id, TERMINAL_ID), principal);
  }

  @Patch(':id')
  @May('registry.write')
  @ApiOperation({ summary: 'Switch a terminal on or off; an inactive terminal cannot be bound' })
  update(@Param('id') id: string, @Body() body: UpdateTerminalDto, @CurrentPrincipal() principal: Principal) {
    return this.terminals.setActive(checkTerminalId(id, TERMINAL_ID), body.active, principal);
  }
}
