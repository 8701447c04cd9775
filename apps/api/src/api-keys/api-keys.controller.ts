import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AuthService, CurrentPrincipal, May, type Principal } from '#app/auth';
import { hashSecret, newSecret } from '#app/crypto';
import { ApiKeyEntity } from '#app/db';
import { CreateApiKeyDto } from './api-keys.dto.js';

/** Keys for other systems (finance, asset register). The key itself is shown once, then only its hash exists. */
@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('v1/api-keys')
@May('accounts')
export class ApiKeysController {
  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    private readonly auth: AuthService,
  ) {}

  @Post()
  async create(@Body() body: CreateApiKeyDto, @CurrentPrincipal() principal: Principal) {
    const key = `ock_${newSecret()}`;
    const saved = await this.keys.save(
      this.keys.create({
        name: body.name,
        roles: body.roles,
        keyHash: hashSecret(key),
        createdBy: principal.kind === 'user' ? principal.id : null,
      }),
    );
    return { id: saved.id, name: saved.name, roles: saved.roles, key };
  }

  @Get()
  list() {
    return this.keys.find({ order: { createdAt: 'DESC' } });
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    const result = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    this.auth.forgetApiKey(id);
    if (!result.affected) {
      const exists = await this.keys.existsBy({ id });
      if (!exists) throw new NotFoundException(`API key ${id} does not exist`);
    }
  }
}
