import { Body, Controller, HttpCode, HttpException, HttpStatus, Ip, Post, UnauthorizedException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthService, Public } from '#app/auth';
import { TokenRequestDto } from './auth.dto.js';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('token')
  @Public()
  @HttpCode(200)
  async token(@Body() body: TokenRequestDto, @Ip() ip: string) {
    const keys = [`user:${body.username.toLowerCase()}`, `ip:${ip}`];
    const wait = this.auth.throttle.retryAfterMs(keys);
    if (wait > 0) {
      throw new HttpException(
        {
          statusCode: 429,
          error: 'Too Many Requests',
          message: `too many failed sign-ins; retry in ${Math.ceil(wait / 1000)} s`,
        },
        HttpStatus.TOO_MANY_REQUESTS,
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
