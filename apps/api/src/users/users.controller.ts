import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountsService, AuthService, CurrentPrincipal, May, type Actor, type Principal } from '#app/auth';
import { CreateUserDto, UpdateUserDto } from './users.dto.js';

function actor(principal: Principal): Actor {
  return { id: principal.kind === 'user' ? principal.id : null, name: principal.name };
}

/** Accounts of the people who use the service: admins only. Every change is in the history. */
@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/users')
@May('accounts')
export class UsersController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a user (their password is temporary)', operationId: 'createUser' })
  create(@Body() body: CreateUserDto, @CurrentPrincipal() principal: Principal) {
    return this.accounts.create(body, actor(principal));
  }

  @Get()
  @ApiOperation({ summary: 'List users', operationId: 'listUsers' })
  list() {
    return this.accounts.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user', operationId: 'getUser' })
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.accounts.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a user's roles, unit or active state", operationId: 'updateUser' })
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateUserDto,
    @CurrentPrincipal() principal: Principal,
  ) {
    const user = await this.accounts.update(id, body, actor(principal));
    this.auth.forgetUser(id);
    return user;
  }

  @Post(':id/password-reset')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set a temporary password (to be changed at the next sign-in)',
    operationId: 'resetPassword',
  })
  async resetPassword(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() principal: Principal) {
    const result = await this.accounts.resetPassword(id, actor(principal));
    this.auth.forgetUser(id);
    return result;
  }
}
