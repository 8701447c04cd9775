import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export const COMMAND_KINDS = ['text', 'position_query', 'vehicle_control'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

export class CreateCommandDto {
  @ApiProperty({
    enum: COMMAND_KINDS,
    description: 'text: 0x8300 text / TTS; position_query: 0x8201; vehicle_control: 0x8500',
  })
  @IsIn(COMMAND_KINDS)
  kind!: CommandKind;

  @ApiPropertyOptional({ description: 'text: what the terminal shows or speaks (GBK), up to 500 characters' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  text?: string;

  @ApiPropertyOptional({ description: 'text: spoken by the terminal (TTS) as well as shown; default true' })
  @IsOptional()
  @IsBoolean()
  tts?: boolean;

  @ApiPropertyOptional({ description: 'vehicle_control: true locks the doors, false unlocks them' })
  @IsOptional()
  @IsBoolean()
  lockDoors?: boolean;

  @ApiPropertyOptional({ description: 'vehicle_control: why (required); a second person must confirm' })
  @IsOptional()
  @IsString()
  @MinLength(5)
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({ description: 'Dropped when not delivered within this many hours (default 24)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(168)
  expiresInHours?: number;
}
