import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Principal } from './principal.js';
import { rolesFor, type Duty } from './role-table.js';

export const DUTY_KEY = 'oversight:duty';
export const PUBLIC_KEY = 'oversight:public';

/**
 * The duty of the role table a handler (or every handler of a controller) performs; the roles the table
 * gives that duty may call it, nobody else (not even admin). Every handler needs this or @Public(). The
 * OpenAPI document carries the duty and its roles as `x-duty` and `x-roles`.
 */
export const May = (duty: Duty) =>
  applyDecorators(
    SetMetadata(DUTY_KEY, duty),
    ApiExtension('x-duty', duty),
    ApiExtension('x-roles', [...rolesFor(duty)]),
  );

export const PASSWORD_CHANGE_KEY = 'oversight:password-change';

/** Open to a user who must change their password first (the password change itself, and who-am-I). */
export const AllowedBeforePasswordChange = () => SetMetadata(PASSWORD_CHANGE_KEY, true);

/** Marks the one open endpoint (health). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
