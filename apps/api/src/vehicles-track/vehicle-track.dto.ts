import { IsInstantWithZone } from '../common/validators.js';
import { ApiProperty } from '@nestjs/swagger';
import { ISO_DATE_TIME_MESSAGE } from './time-range.js';

export const MAX_TRACK_DAYS = 31;

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
}
