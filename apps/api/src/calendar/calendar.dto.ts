import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
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

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class HolidayPeriodDto {
  @ApiProperty({ example: '春节' })
  @IsString()
  @Length(1, 50)
  name: string;

  @ApiProperty({
    type: [String],
    example: ['2027-02-06', '2027-02-14'],
    description: 'first and last rest day (放假), inclusive',
    minItems: 2,
    maxItems: 2,
  })
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(2)
  @Matches(DATE, { each: true, message: 'rest must be two dates YYYY-MM-DD' })
  rest: [string, string];

  @ApiProperty({ type: [String], example: ['2027-02-20'], description: 'weekend days worked for it (调休上班)' })
  @IsArray()
  @ArrayMaxSize(10)
  @Matches(DATE, { each: true, message: 'each value in workdays must be a date YYYY-MM-DD' })
  workdays: string[];
}

/** The State Council notice (国务院办公厅关于…部分节假日安排的通知) as its periods. */
export class PutCalendarPeriodsDto {
  @ApiPropertyOptional({ example: '国务院办公厅关于2027年部分节假日安排的通知' })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  source?: string;

  @ApiProperty({ type: [HolidayPeriodDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => HolidayPeriodDto)
  periods: HolidayPeriodDto[];
}

export class HolidayCnDayDto {
  @ApiProperty({ example: '元旦' })
  @IsString()
  @Length(1, 50)
  name: string;

  @ApiProperty({ example: '2027-01-01' })
  @Matches(DATE, { message: 'date must be a date YYYY-MM-DD' })
  date: string;

  @ApiProperty({ description: 'true: a rest day; false: a weekend day worked (调休上班)' })
  @IsBoolean()
  isOffDay: boolean;
}

/** A holiday-cn file (https://github.com/NateScarlet/holiday-cn, `{year}.json`) as published. */
export class HolidayCnFileDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(300)
  $schema?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(300)
  $id?: string;

  @ApiProperty({ example: 2027 })
  @IsInt()
  @Min(1949)
  @Max(2200)
  year: number;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(500, { each: true })
  papers?: string[];

  @ApiProperty({ type: [HolidayCnDayDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => HolidayCnDayDto)
  days: HolidayCnDayDto[];
}
