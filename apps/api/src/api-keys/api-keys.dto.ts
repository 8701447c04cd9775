import { ApiProperty } from '@nestjs/swagger';
import { ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsString, Length } from 'class-validator';
import { ROLES, type Role } from '#app/db';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'finance-system' })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ example: ['finance'], enum: ROLES, isArray: true })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each value in roles must be one of: ${ROLES.join(', ')}` })
  roles: Role[];
}
