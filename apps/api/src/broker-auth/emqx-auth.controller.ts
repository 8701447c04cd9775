import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  NotFoundException,
  Post,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '#app/auth';
import { APP_CONFIG, type AppConfig } from '#app/config';
import {
  identifyTerminal,
  INFRA,
  mayPublish,
  maySubscribe,
  sameSecret,
  type BrokerIdentity,
  type Infrastructure,
} from '#app/infra';
import { EmqxAuthenticateDto, EmqxAuthorizeDto } from './emqx-auth.dto.js';

type Verdict = { result: 'allow' | 'deny' };

/**
 * EMQX asks here whether a client may sign in and what it may do (its HTTP authentication and authorization),
 * so terminal accounts are the registry itself: a terminal registered a moment ago signs in, a deactivated
 * one does not. The same rules as the in-process broker. Only EMQX calls these, with the shared secret
 * BROKER_AUTH_SECRET in the `x-broker-auth` header; without that setting the routes do not exist.
 */
@ApiExcludeController()
@Controller('v1/broker/emqx')
@Public()
export class EmqxAuthController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INFRA) private readonly infra: Infrastructure,
  ) {}

  @Post('authenticate')
  @HttpCode(200)
  async authenticate(
    @Headers('x-broker-auth') key: string | undefined,
    @Body() body: EmqxAuthenticateDto,
  ): Promise<Verdict & { is_superuser: false }> {
    this.checkCaller(key);
    const identity = await this.identify(body.clientid, body.username, body.password);
    return { result: identity ? 'allow' : 'deny', is_superuser: false };
  }

  @Post('authorize')
  @HttpCode(200)
  async authorize(@Headers('x-broker-auth') key: string | undefined, @Body() body: EmqxAuthorizeDto): Promise<Verdict> {
    this.checkCaller(key);
    // EMQX asks only about clients it has signed in: the username is the authenticated one.
    const identity: BrokerIdentity =
      this.infra.mqttUsername && sameSecret(body.username, this.infra.mqttUsername)
        ? { kind: 'internal' }
        : { kind: 'terminal', terminalId: body.username };
    if (identity.kind === 'terminal' && body.clientid !== body.username) return { result: 'deny' };
    const allowed = body.action === 'publish' ? mayPublish(identity, body.topic) : maySubscribe(identity, body.topic);
    return { result: allowed ? 'allow' : 'deny' };
  }

  private checkCaller(key: string | undefined): void {
    const secret = this.config.brokerAuthSecret;
    if (!secret) throw new NotFoundException('broker authentication is not enabled (BROKER_AUTH_SECRET)');
    if (!key || !sameSecret(key, secret))
      throw new UnauthorizedException('x-broker-auth does not match BROKER_AUTH_SECRET');
  }

  private async identify(clientId: string, username: string, password: string): Promise<BrokerIdentity | null> {
    const { mqttUsername, mqttPassword } = this.infra;
    if (mqttUsername && mqttPassword && sameSecret(username, mqttUsername)) {
      return sameSecret(password, mqttPassword) ? { kind: 'internal' } : null;
    }
    return identifyTerminal((sql, params) => this.db.query(sql, params), clientId, username, password);
  }
}
