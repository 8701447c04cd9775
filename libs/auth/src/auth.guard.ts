import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthService } from './auth.service.js';
import type { Principal } from './principal.js';
import { rolesFor, type Duty } from './role-table.js';
import { DUTY_KEY, PASSWORD_CHANGE_KEY, PUBLIC_KEY } from './roles.decorator.js';

/**
 * Global guard: no credentials or bad ones → 401; valid ones without a role the route's duty lists → 403.
 * No role passes everywhere: admin is one role among the others. A handler with neither @May nor @Public
 * is closed to everyone, so a forgotten decorator fails safe.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = ctx
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new UnauthorizedException('Authorization: Bearer <token or API key> is required');
    const principal = await this.auth.authenticate(match[1]);
    if (!principal) throw new UnauthorizedException('the token or API key is not valid');
    request.principal = principal;
    if (principal.mustChangePassword && !this.reflector.getAllAndOverride<boolean>(PASSWORD_CHANGE_KEY, targets)) {
      throw new ForbiddenException(
        'the password must be changed first: PUT /api/v1/auth/password with currentPassword and newPassword',
      );
    }
    const duty = this.reflector.getAllAndOverride<Duty | undefined>(DUTY_KEY, targets);
    if (!duty) throw new ForbiddenException('no role may call this route');
    const allowed = rolesFor(duty);
    if (principal.roles.some((role) => allowed.includes(role))) return true;
    throw new ForbiddenException(`${duty} requires one of the roles: ${allowed.join(', ')}`);
  }
}
