import { IsInstantWithZone } from '../common/validators.js';
import { QueryNumber } from '../common/query-number.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { ISO_DATE_TIME_MESSAGE } from '../vehicles-track/time-range.js';

export class RejectedMessagesQuery {
  @ApiPropertyOptional({ example: '13800000001' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'terminalId must be 1-32 characters of A-Z, a-z, 0-9, _ and -' })
  terminalId?: string;

  @ApiPropertyOptional({ example: 'SCHEMA', description: 'A reason code such as MALFORMED, SCHEMA, UNKNOWN_TERMINAL.' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{0,39}$/, { message: 'reason must be a reason code in capitals, such as SCHEMA' })
  reason?: string;

  @ApiPropertyOptional({ example: '2026-11-26T00:00:00+08:00', description: 'Received at or after.' })
  @IsOptional()
  @IsInstantWithZone({ message: ISO_DATE_TIME_MESSAGE('from') })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-27T00:00:00+08:00', description: 'Received before.' })
  @IsOptional()
  @IsInstantWithZone({ message: ISO_DATE_TIME_MESSAGE('to') })
  to?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @QueryNumber()
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(500, { message: 'limit must not be greater than 500' })
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page.' })
  @IsOptional()
  @Matches(/^[1-9]\d{0,18}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class RejectedMessageItem {
  @ApiProperty({ example: '42' }) id: string;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty({ example: 'telematics/v1/13800000001/position' }) topic: string;
  @ApiProperty({ type: String, nullable: true }) terminalId: string | null;
  @ApiProperty({ example: 'SCHEMA' }) reason: string;
  @ApiProperty({ type: String, nullable: true, example: 'fixTime is required' }) detail: string | null;
  @ApiProperty({ description: 'Size of the whole payload as received.' }) payloadSize: number;
  @ApiProperty({ description: 'True when only the first 4 KiB were kept.' }) payloadTruncated: boolean;
  @ApiProperty({ type: String, nullable: true }) payloadBase64: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The payload as text when it is printable UTF-8.' })
  payloadPreview: string | null;
}

export class RejectedMessagesPage {
  @ApiProperty({ type: [RejectedMessageItem] }) items: RejectedMessageItem[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null at the end.' })
  nextCursor: string | null;
}
