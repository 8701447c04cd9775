import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, May, type Principal } from '#app/auth';
import { CreateCommandDto } from './terminal-commands.dto.js';
import { TerminalCommandsService } from './terminal-commands.service.js';

const uuid = new ParseUUIDPipe({ version: undefined });

/** Commands to a car's JT/T 808 terminal: text / voice prompt, position query, vehicle control. */
@ApiTags('terminal-commands')
@ApiBearerAuth()
@Controller('v1')
// The vehicle centre alone decides how cars are used; commands borrow that duty until the role table has one
// of their own.
@May('terminals.command')
export class TerminalCommandsController {
  constructor(private readonly commands: TerminalCommandsService) {}

  @Post('vehicles/:vehicleId/commands')
  @ApiOperation({
    summary:
      'Queue a command for the car’s terminal (sent when it is connected; vehicle control waits for a second person)',
  })
  create(
    @Param('vehicleId', uuid) vehicleId: string,
    @Body() body: CreateCommandDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    return this.commands.create(vehicleId, body, principal);
  }

  @Get('vehicles/:vehicleId/commands')
  @ApiOperation({ summary: 'The car’s latest commands with their state and the terminal’s result' })
  list(@Param('vehicleId', uuid) vehicleId: string) {
    return this.commands.list(vehicleId);
  }

  @Get('terminal-commands/:id')
  get(@Param('id', uuid) id: string) {
    return this.commands.get(id);
  }

  @Post('terminal-commands/:id/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm a vehicle-control command (another person than the one who asked)' })
  confirm(@Param('id', uuid) id: string, @CurrentPrincipal() principal: Principal) {
    return this.commands.confirm(id, principal);
  }
}
