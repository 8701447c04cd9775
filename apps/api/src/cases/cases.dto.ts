import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto.js';
import {
  CASE_STATUSES,
  OUTCOMES,
  SANCTION_KINDS,
  type CaseStatus,
  type Outcome,
  type SanctionKind,
} from './case-workflow.js';

const OUTCOME_CODES = Object.keys(OUTCOMES);
const SANCTION_CODES = Object.keys(SANCTION_KINDS);
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ListCasesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CASE_STATUSES })
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  vehicleId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiPropertyOptional({ example: 'off_hours' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  rule?: string;

  @ApiPropertyOptional({ description: 'id of the assigned inspector' })
  @IsOptional()
  @IsUUID()
  assignee?: string;

  @ApiPropertyOptional({ enum: ['violation', 'audit'] })
  @IsOptional()
  @IsIn(['violation', 'audit'])
  source?: 'violation' | 'audit';

  @ApiPropertyOptional({ description: 'first local day of the period, YYYY-MM-DD' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'last local day of the period (included), YYYY-MM-DD' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}

export class TransitionDto {
  @ApiProperty({ enum: CASE_STATUSES, description: 'the state to move to' })
  @IsIn(CASE_STATUSES)
  to: CaseStatus;

  @ApiPropertyOptional({ description: 'why; required to dismiss' })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;

  @ApiPropertyOptional({
    enum: OUTCOME_CODES,
    description: Object.entries(OUTCOMES)
      .map((e) => e.join('='))
      .join(', '),
  })
  @IsOptional()
  @IsIn(OUTCOME_CODES)
  outcome?: Outcome;

  @ApiPropertyOptional({
    enum: SANCTION_CODES,
    description: Object.entries(SANCTION_KINDS)
      .map((e) => e.join('='))
      .join(', '),
  })
  @IsOptional()
  @IsIn(SANCTION_CODES)
  sanctionKind?: SanctionKind;

  @ApiPropertyOptional({ description: 'the person held responsible; required with an outcome' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  responsiblePerson?: string;

  @ApiPropertyOptional({ description: 'what was corrected; required to mark the case rectified' })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  rectificationNote?: string;
}

export class AssignDto {
  @ApiProperty({ description: 'id of a user with the role inspector' })
  @IsUUID()
  inspectorId: string;
}

export class AttachmentDto {
  @ApiProperty({ example: 'interview-record.pdf' })
  @IsString()
  @Length(1, 255)
  fileName: string;

  @ApiProperty({ example: 'application/pdf' })
  @Matches(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i, {
    message: 'mediaType must be a media type such as application/pdf',
  })
  mediaType: string;

  @ApiProperty({ example: 48213, description: 'bytes' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  size: number;

  @ApiProperty({ description: 'SHA-256 of the file, 64 lower-case hex digits' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lower-case hex digits' })
  sha256: string;
}

export class NoteDto {
  @ApiProperty()
  @IsString()
  @Length(1, 4000)
  text: string;
}
