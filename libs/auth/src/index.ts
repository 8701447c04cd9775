export type { Principal } from './principal.js';
export { AllowedBeforePasswordChange, Roles, Public, CurrentPrincipal } from './roles.decorator.js';
export { AccountsService, resetAdminPassword, temporaryPassword } from './accounts.js';
export type { Actor, NewUser, UserChange, UserView } from './accounts.js';
export { AuthService } from './auth.service.js';
export { AuthGuard } from './auth.guard.js';
export { AuthModule } from './auth.module.js';
export { AttemptWindow, FailureThrottle } from './failure-throttle.js';
