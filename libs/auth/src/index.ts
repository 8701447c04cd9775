export type { Principal } from './principal.js';
export { Roles, Public, CurrentPrincipal } from './roles.decorator.js';
export { AuthService } from './auth.service.js';
export { AuthGuard } from './auth.guard.js';
export { AuthModule } from './auth.module.js';
export { FailureThrottle } from './failure-throttle.js';
