import { BadRequestException, Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Roles } from '#app/auth';
import { hashPassword } from '#app/crypto';
import { UnitEntity, UserEntity } from '#app/db';
import { conflictOnUnique } from '../common/db-errors.js';
import { CreateUserDto } from './users.dto.js';

@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/users')
@Roles('admin')
export class UsersController {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(UnitEntity) private readonly units: Repository<UnitEntity>,
  ) {}

  @Post()
  async create(@Body() body: CreateUserDto) {
    if (body.roles.includes('unit') && !body.unitId) {
      throw new BadRequestException(['unitId is required for a user with the role unit']);
    }
    if (body.unitId && !(await this.units.existsBy({ id: body.unitId }))) {
      throw new BadRequestException([`unitId ${body.unitId} is not a known unit`]);
    }
    const user = await conflictOnUnique(
      this.users.save(
        this.users.create({
          username: body.username,
          passwordHash: await hashPassword(body.password),
          roles: body.roles,
          unitId: body.unitId ?? null,
          active: true,
        }),
      ),
      `username ${body.username} is taken`,
    );
    return { id: user.id, username: user.username, roles: user.roles, unitId: user.unitId, active: user.active };
  }

  @Get()
  list() {
    return this.users.find({ order: { username: 'ASC' } });
  }
}
