import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { RULE_NAMES, type RuleName } from '#app/rules';
import { PageQueryDto } from '../common/page-query.dto.js';

export class ListViolationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  vehicleId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiPropertyOptional({ enum: RULE_NAMES })
  @IsOptional()
  @IsIn(RULE_NAMES)
  rule?: RuleName;

  @ApiPropertyOptional({ enum: ['violation', 'suspicion'] })
  @IsOptional()
  @IsIn(['violation', 'suspicion'])
  kind?: 'violation' | 'suspicion';

  @ApiPropertyOptional({ description: 'findings starting at or after this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'findings starting before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
