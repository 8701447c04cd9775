import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '#app/db';
import type { Principal } from './principal.js';

export const ROLES_KEY = 'oversight:roles';
export const PUBLIC_KEY = 'oversight:public';

/** The roles that may call a handler; `admin` may always. Every handler needs this or @Public(). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const PASSWORD_CHANGE_KEY = 'oversight:password-change';

/** Open to a user who must change their password first (the password change itself, and who-am-I). */
export const AllowedBeforePasswordChange = () => SetMetadata(PASSWORD_CHANGE_KEY, true);

/** Marks the one open endpoint (health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
