import {
  Inject,
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Ip,
  Post,
  Put,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '#app/config';
import {
  AccountsService,
  AllowedBeforePasswordChange,
  AuthService,
  CurrentPrincipal,
  Public,
  May,
  type Principal,
  AttemptWindow,
} from '#app/auth';
import { ChangePasswordDto } from '../users/users.dto.js';
import { TokenRequestDto } from './auth.dto.js';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  private readonly perAddress: AttemptWindow;

  constructor(
    private readonly auth: AuthService,
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.perAddress = new AttemptWindow(config.signInPerAddressPerMinute);
  }

  /** Who the token belongs to, with the roles and unit it is judged by now. */
  @Get('me')
  @May('own-account')
  @AllowedBeforePasswordChange()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in user', operationId: 'getMe' })
  me(@CurrentPrincipal() principal: Principal) {
    return {
      id: principal.id,
      kind: principal.kind,
      name: principal.name,
      roles: principal.roles,
      unitId: principal.unitId,
      mustChangePassword: principal.mustChangePassword ?? false,
    };
  }

  /** Changes the caller's own password; the one call open while a temporary password must be replaced. */
  @Put('password')
  @May('own-account')
  @AllowedBeforePasswordChange()
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Change my password', operationId: 'changeMyPassword' })
  async changePassword(@Body() body: ChangePasswordDto, @CurrentPrincipal() principal: Principal): Promise<void> {
    if (principal.kind !== 'user') throw new ForbiddenException('an API key has no password');
    await this.accounts.changeOwnPassword(principal.id, body.currentPassword, body.newPassword, principal.name);
    this.auth.forgetUser(principal.id);
  }

  @Post('token')
  @Public()
  @HttpCode(200)
  async token(@Body() body: TokenRequestDto, @Ip() ip: string) {
    const keys = [`user:${body.username.toLowerCase()}`, `ip:${ip}`];
    const tooMany = (wait: number, why: string) =>
      new HttpException(
        { statusCode: 429, error: 'Too Many Requests', message: `${why}; retry in ${Math.ceil(wait / 1000)} s` },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    const failedWait = this.auth.throttle.retryAfterMs(keys);
    if (failedWait > 0) throw tooMany(failedWait, 'too many failed sign-ins');
    const addressWait = this.perAddress.take(ip);
    if (addressWait > 0) {
      throw tooMany(
        addressWait,
        `more than ${this.config.signInPerAddressPerMinute} sign-ins a minute from this address`,
      );
    }
    const result = await this.auth.signIn(body.username, body.password);
    if (!result) {
      this.auth.throttle.fail(keys);
      throw new UnauthorizedException('wrong username or password');
    }
    this.auth.throttle.succeed(keys);
    return result;
  }
}
