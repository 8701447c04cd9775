import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';

/** Who EMQX asks about: the client id and user name of the connection. */
class EmqxClientDto {
  @ApiProperty({ example: '13800000001' })
  @IsString({ message: 'clientid must be a string' })
  @MaxLength(128, { message: 'clientid must be at most 128 characters long' })
  clientid: string;

  @ApiProperty({ example: '13800000001' })
  @IsString({ message: 'username must be a string' })
  @MaxLength(128, { message: 'username must be at most 128 characters long' })
  username: string;
}

/** EMQX's HTTP authentication request, as the body template in deploy/emqx/ sends it. */
export class EmqxAuthenticateDto extends EmqxClientDto {
  @ApiProperty({ description: 'the terminal secret issued at registration, or the service account password' })
  @IsString({ message: 'password must be a string' })
  @MaxLength(256, { message: 'password must be at most 256 characters long' })
  password: string;
}

/** EMQX's HTTP authorization request. */
export class EmqxAuthorizeDto extends EmqxClientDto {
  @ApiProperty({ example: 'telematics/v1/13800000001/position' })
  @IsString({ message: 'topic must be a string' })
  @MaxLength(1024, { message: 'topic must be at most 1024 characters long' })
  topic: string;

  @ApiProperty({ enum: ['publish', 'subscribe'] })
  @IsIn(['publish', 'subscribe'], { message: 'action must be publish or subscribe' })
  action: 'publish' | 'subscribe';
}
