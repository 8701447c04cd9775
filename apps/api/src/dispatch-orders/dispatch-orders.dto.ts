import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { DISPATCH_ORDER_STATUSES, type DispatchOrderStatus } from '#app/dispatch';

export class CreateDispatchOrderDto {
  @ApiProperty()
  @IsUUID()
  vehicleId: string;

  @ApiProperty({ example: '王师傅' })
  @IsString()
  @Length(1, 100)
  driver: string;

  @ApiProperty({ example: '赴市政府参加防汛会议' })
  @IsString()
  @Length(1, 500)
  purpose: string;

  @ApiProperty({ example: '2026-03-02T01:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'startTime must be an ISO 8601 instant' })
  startTime: string;

  @ApiProperty({ example: '2026-03-02T09:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'endTime must be an ISO 8601 instant' })
  endTime: string;

  @ApiProperty({ example: '宿迁市人民政府' })
  @IsString()
  @Length(1, 300)
  destination: string;

  @ApiPropertyOptional({ description: 'a fence the destination lies in' })
  @IsOptional()
  @IsUUID()
  destinationFenceId?: string;

  @ApiPropertyOptional({ default: false, description: 'the trip leaves the district (越界 is then legitimate)' })
  @IsOptional()
  @IsBoolean()
  leavesJurisdiction?: boolean;
}

export class DecisionDto {
  @ApiPropertyOptional({ description: 'required when rejecting' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  note?: string;
}

export class ListDispatchOrdersQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  vehicleId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiPropertyOptional({ enum: DISPATCH_ORDER_STATUSES })
  @IsOptional()
  @IsIn(DISPATCH_ORDER_STATUSES, { message: `status must be one of: ${DISPATCH_ORDER_STATUSES.join(', ')}` })
  status?: DispatchOrderStatus;

  @ApiPropertyOptional({ description: 'orders whose time window overlaps [from, to]' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
