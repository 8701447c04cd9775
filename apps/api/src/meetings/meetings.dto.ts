import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsISO8601,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
} from 'class-validator';

export class CreateMeetingDto {
  @ApiProperty({ example: '2026 Q4 joint meeting on official-car purchases' })
  @IsString()
  @MinLength(3)
  @MaxLength(200)
  title: string;

  @ApiProperty({ example: '2026-12-03T09:00:00+08:00' })
  @IsISO8601({ strict: true })
  scheduledAt: string;

  @ApiProperty({ description: 'user ids of the members (users with the role member)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  memberIds: string[];
}

export class AgendaItemDto {
  @ApiProperty()
  @IsUUID()
  requestId: string;
}

export class AttendanceDto {
  @ApiProperty({
    description:
      'the members present from `at` on; a member newly listed is recorded as arriving then, a member no longer listed as leaving',
  })
  @IsArray()
  @ArrayUnique()
  @IsUUID('all', { each: true })
  present: string[];

  @ApiPropertyOptional({
    example: '2026-12-03T09:40:00+08:00',
    description: 'when the arrivals and departures happened; default now; not before a decision already taken',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  at?: string;
}

export class DecideDto {
  @ApiPropertyOptional({
    description: 'why the vote is closed although not every member present has voted or abstained (recorded)',
  })
  @IsOptional()
  @IsString()
  @MinLength(5)
  @MaxLength(2000)
  closeVoteReason?: string;
}

export class ReasonDto {
  @ApiProperty({ example: 'the unit asked to revise the budget' })
  @IsString()
  @MinLength(5)
  @MaxLength(2000)
  reason: string;
}

export const VOTES = ['approve', 'reject', 'abstain'] as const;
export type Vote = (typeof VOTES)[number];

export class VoteDto {
  @ApiProperty({ enum: VOTES })
  @IsIn(VOTES, { message: `vote must be one of: ${VOTES.join(', ')}` })
  vote: Vote;
}

export class MinutesDto {
  @ApiProperty()
  @IsString()
  @MinLength(10)
  @MaxLength(50_000)
  text: string;
}
