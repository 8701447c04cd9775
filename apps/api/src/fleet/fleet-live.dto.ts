import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { VEHICLE_CATEGORIES } from '#app/db';

export const LIVE_FORMATS = ['json', 'geojson'] as const;
export type LiveFormat = (typeof LIVE_FORMATS)[number];

export class FleetLiveQuery {
  @ApiPropertyOptional({ description: 'Only the cars of this unit.', format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'unitId must be a UUID' })
  unitId?: string;

  @ApiPropertyOptional({
    enum: LIVE_FORMATS,
    default: 'json',
    description: '`geojson`: a FeatureCollection of points for a map (cars that never reported have no point).',
  })
  @IsOptional()
  @IsIn(LIVE_FORMATS, { message: `format must be one of: ${LIVE_FORMATS.join(', ')}` })
  format?: LiveFormat;
}

export class LiveCarView {
  @ApiProperty({ format: 'uuid' }) vehicleId: string;
  @ApiProperty({ example: '苏N·A1234' }) plateNumber: string;
  @ApiProperty({ format: 'uuid' }) unitId: string;
  @ApiProperty({ example: '区财政局' }) unitName: string;
  @ApiProperty({ enum: VEHICLE_CATEGORIES }) category: string;
  @ApiProperty({ type: String, nullable: true, description: 'Terminal of the open binding.' }) terminalId:
    string | null;
  @ApiProperty({ enum: ['online', 'offline', 'never_reported'] }) state: string;
  @ApiProperty() online: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) fixTime: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) receivedAt: string | null;
  @ApiProperty({ type: Number, nullable: true }) lat: number | null;
  @ApiProperty({ type: Number, nullable: true }) lon: number | null;
  @ApiProperty({ type: Number, nullable: true }) speedKmh: number | null;
  @ApiProperty({ type: Number, nullable: true }) headingDeg: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) ignition: boolean | null;
  @ApiProperty({ type: Number, nullable: true, description: 'JT/T 808 alarm bits (5 = antenna cut).' })
  alarmFlags: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) valid: boolean | null;
}

export class LiveCountsView {
  @ApiProperty() total: number;
  @ApiProperty() online: number;
  @ApiProperty() offline: number;
  @ApiProperty() neverReported: number;
}

export class FleetLiveView {
  @ApiProperty({ format: 'date-time', description: 'The instant the states were judged at.' }) at: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'While the demo replays a recorded working day: the time in that day. Null otherwise.',
  })
  replayClock: string | null;
  @ApiProperty({ description: 'OFFLINE_AFTER_SECONDS.' }) offlineAfterSeconds: number;
  @ApiProperty({ type: LiveCountsView }) counts: LiveCountsView;
  @ApiProperty({ type: [LiveCarView] }) vehicles: LiveCarView[];
}
