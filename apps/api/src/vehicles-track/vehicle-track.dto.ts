import { IsInstantWithZone } from '../common/validators.js';
import { QueryNumber } from '../common/query-number.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ISO_DATE_TIME_MESSAGE } from './time-range.js';

export const MAX_TRACK_DAYS = 31;
export const TRACK_FORMATS = ['geojson', 'compact'] as const;
export type TrackFormat = (typeof TRACK_FORMATS)[number];
export const MAX_SIMPLIFY_M = 1000;
export const MAX_TRACK_LIMIT = 1_000_000;

const SIMPLIFY_MESSAGE = `simplify must be a tolerance in metres above 0 and at most ${MAX_SIMPLIFY_M}`;
const LIMIT_MESSAGE = `limit must be a whole number of fixes from 1 to ${MAX_TRACK_LIMIT}`;

export class VehicleTrackQuery {
  @ApiProperty({ example: '2026-11-26T08:00:00+08:00', description: 'First fix time included.' })
  @IsInstantWithZone({ message: ISO_DATE_TIME_MESSAGE('from') })
  from: string;

  @ApiProperty({
    example: '2026-11-26T18:00:00+08:00',
    description: `Fix times before this are included; at most ${MAX_TRACK_DAYS} days after from.`,
  })
  @IsInstantWithZone({ message: ISO_DATE_TIME_MESSAGE('to') })
  to: string;

  @ApiPropertyOptional({
    enum: TRACK_FORMATS,
    default: 'geojson',
    description:
      '`geojson`: a FeatureCollection (the line, then a point per fix). `compact`: the fixes column by column ' +
      'in chunks, integers and differences (docs/api.md, "Tracks for maps"); about a tenth of the bytes, sent ' +
      'as it is read.',
  })
  @IsOptional()
  @IsIn(TRACK_FORMATS, { message: `format must be one of: ${TRACK_FORMATS.join(', ')}` })
  format?: TrackFormat;

  @ApiPropertyOptional({
    example: 5,
    description:
      'Thin the track for drawing: Douglas–Peucker with this tolerance in metres. Always kept: the first and ' +
      'last fix, and the first and last fix of every stop, ignition state, alarm state, GNSS lock state and ' +
      'terminal.',
  })
  @IsOptional()
  @QueryNumber()
  @IsNumber({}, { message: SIMPLIFY_MESSAGE })
  @Min(0.001, { message: SIMPLIFY_MESSAGE })
  @Max(MAX_SIMPLIFY_M, { message: SIMPLIFY_MESSAGE })
  simplify?: number;

  @ApiPropertyOptional({
    example: 20000,
    description:
      'Page size: at most this many fixes of the range (counted before simplify thins them). The answer ' +
      'carries `next` while more fixes follow. Without it the whole range comes in one answer.',
  })
  @IsOptional()
  @QueryNumber()
  @IsInt({ message: LIMIT_MESSAGE })
  @Min(1, { message: LIMIT_MESSAGE })
  @Max(MAX_TRACK_LIMIT, { message: LIMIT_MESSAGE })
  limit?: number;

  @ApiPropertyOptional({
    description: 'The `next` of the previous page: this page starts after the last fix of that one.',
  })
  @IsOptional()
  @IsString({ message: 'after must be the next value of an earlier answer of this endpoint' })
  @Matches(/^[A-Za-z0-9_-]{3,200}$/, { message: 'after must be the next value of an earlier answer of this endpoint' })
  after?: string;
}
