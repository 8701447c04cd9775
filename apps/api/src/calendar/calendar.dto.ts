import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { CALENDAR_DAY_KINDS, type CalendarDayKind } from '#app/calendar';

export class CalendarDayDto {
  @ApiProperty({ example: '2026-02-14' })
  @IsString()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'day must be a date YYYY-MM-DD' })
  day: string;

  @ApiProperty({ enum: CALENDAR_DAY_KINDS, description: 'holiday: a rest day; workday: a weekend day worked (调休)' })
  @IsIn(CALENDAR_DAY_KINDS, { message: `kind must be one of: ${CALENDAR_DAY_KINDS.join(', ')}` })
  kind: CalendarDayKind;

  @ApiProperty({ example: '春节调休上班' })
  @IsString()
  @Length(1, 100)
  name: string;
}

export class PutCalendarYearDto {
  @ApiPropertyOptional({ description: 'where the schedule comes from, e.g. the State Council notice' })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  source?: string;

  @ApiProperty({ type: [CalendarDayDto], description: 'every holiday and make-up working day of the year' })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CalendarDayDto)
  days: CalendarDayDto[];
}
