import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';

export const TERMINAL_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class CreateTerminalDto {
  @ApiProperty({
    example: '13800000001',
    description: 'the id the terminal uses on MQTT: 1–32 letters, digits, _ or -',
  })
  @IsString({ message: 'terminalId must be a string' })
  @Matches(TERMINAL_ID, { message: 'terminalId must be 1 to 32 letters, digits, _ or -' })
  terminalId: string;

  @ApiPropertyOptional({ example: 'BD-T300' })
  @IsOptional()
  @IsString({ message: 'model must be a string' })
  @Length(1, 100, { message: 'model must be 1 to 100 characters long' })
  model?: string;
}

export class UpdateTerminalDto {
  @ApiProperty({ description: 'an inactive terminal cannot sign in to MQTT nor be bound to a car' })
  @IsBoolean({ message: 'active must be true or false' })
  active: boolean;
}
