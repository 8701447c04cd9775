import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '#app/db';
import { AuthService } from './auth.service.js';
import type { Principal } from './principal.js';
import { PASSWORD_CHANGE_KEY, PUBLIC_KEY, ROLES_KEY } from './roles.decorator.js';

/**
 * Global guard: no credentials or bad ones → 401; valid ones without a listed role → 403. A handler with
 * neither @Roles nor @Public is closed to everyone but admin, so a forgotten decorator fails safe.
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
    const allowed = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets) ?? [];
    if (principal.roles.includes('admin') || principal.roles.some((role) => allowed.includes(role))) return true;
    throw new ForbiddenException(`requires one of the roles: ${['admin', ...allowed].join(', ')}`);
  }
}
