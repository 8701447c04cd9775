import { createSecretKey } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { INFRA, type Infrastructure } from '#app/infra';
import { AuthGuard } from './auth.guard.js';
import { AccountsService } from './accounts.js';
import { AuthService } from './auth.service.js';

@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [INFRA],
      // A KeyObject (which the module typings predate) with a fixed algorithm: given a plain string, the JWT library first tries it as a public
      // key and builds an exception on every verification.
      useFactory: (infra: Infrastructure) => ({
        secret: createSecretKey(Buffer.from(infra.jwtSecret, 'utf8')) as unknown as string,
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  providers: [AuthService, AccountsService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, AccountsService],
})
export class AuthModule {}
