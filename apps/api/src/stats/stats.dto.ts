import { QueryNumber } from '../common/query-number.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class StatsQueryDto {
  @ApiProperty({ example: 2025 })
  @QueryNumber()
  @IsInt()
  @Min(2000)
  @Max(2100)
  year: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 12 })
  @IsOptional()
  @QueryNumber()
  @IsInt()
  @Min(1)
  @Max(12)
  month?: number;
}
