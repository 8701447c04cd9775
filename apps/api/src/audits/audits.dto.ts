import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export const ITEM_RESULTS = ['compliant', 'issue_found'] as const;
export type ItemResult = (typeof ITEM_RESULTS)[number];

export class MarkItemDto {
  @ApiProperty({ enum: ITEM_RESULTS })
  @IsIn(ITEM_RESULTS, { message: `result must be one of: ${ITEM_RESULTS.join(', ')}` })
  result: ItemResult;

  @ApiPropertyOptional({ description: 'what the inspector found; required when an issue is found' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  note?: string;
}

export class AuditSettingsDto {
  @ApiProperty({ description: 'days after a week ends until its unmarked items are overdue', minimum: 0, maximum: 90 })
  @IsInt()
  @Min(0)
  @Max(90)
  overdueDays: number;
}
