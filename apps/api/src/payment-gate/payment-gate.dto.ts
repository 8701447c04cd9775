import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../common/page-query.dto.js';
import { EXPENSE_TYPES } from './check-request.js';
import { REASON_CODES } from './reasons.js';

/** Where fuel was taken, in the coordinate system the invoice gives. */
export class StationDto {
  @ApiProperty({ minimum: -90, maximum: 90 }) lat: number;
  @ApiProperty({ minimum: -180, maximum: 180 }) lon: number;
  @ApiProperty({ enum: ['wgs84', 'gcj02', 'bd09'] }) coordinateSystem: string;
}

/** The request of contract/payment-gate.md; documented here, checked by parseCheckRequest. */
export class CheckRequestDto {
  @ApiProperty({ example: '苏N·A1234', description: 'matched after removing spaces, · and - and upper-casing' })
  plateNumber: string;

  @ApiProperty({ enum: EXPENSE_TYPES, example: 'fuel' })
  expenseType: string;

  @ApiProperty({ example: '356.80', description: 'decimal string in CNY, > 0, at most 2 decimals' })
  amount: string;

  @ApiProperty({ example: '044001900111-00012345', description: '1–64 printable characters' })
  invoiceNo: string;

  @ApiProperty({ example: '2026-11-20', description: 'YYYY-MM-DD, not in the future (Asia/Shanghai)' })
  expenseDate: string;

  @ApiPropertyOptional({ example: '45.5', description: 'fuel only: litres, > 0, at most 500, at most 3 decimals' })
  litres?: string;

  @ApiPropertyOptional({
    example: '2026-11-20T09:30:00+08:00',
    format: 'date-time',
    description: 'fuel only: when the fuel was taken, with an offset, on expenseDate; not in the future',
  })
  filledAt?: string;

  @ApiPropertyOptional({ type: () => StationDto, description: 'fuel only: where the fuel was taken' })
  station?: StationDto;
}

export class ReasonDto {
  @ApiProperty({ enum: REASON_CODES }) code: string;
  @ApiProperty() message: string;
}

export class CheckVehicleDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: '苏NA1234' }) plateNumber: string;
  @ApiProperty({ nullable: true }) unit: string;
}

export class CheckResponseDto {
  @ApiProperty() checkId: string;
  @ApiProperty({ enum: ['allow', 'deny'] }) decision: string;
  @ApiProperty({ type: [ReasonDto] }) reasons: ReasonDto[];
  @ApiProperty({ type: CheckVehicleDto, nullable: true }) vehicle: CheckVehicleDto | null;
  @ApiProperty({ example: '2026-11-26T10:01:02+08:00' }) checkedAt: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ListChecksQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'plate, compared after normalising' })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  plate?: string;

  @ApiPropertyOptional({ enum: ['allow', 'deny'] })
  @IsOptional()
  @IsIn(['allow', 'deny'])
  decision?: 'allow' | 'deny';

  @ApiPropertyOptional({ description: 'first day checked (Asia/Shanghai), YYYY-MM-DD' })
  @IsOptional()
  @Matches(DAY, { message: 'from must be a date YYYY-MM-DD' })
  from?: string;

  @ApiPropertyOptional({ description: 'last day checked (Asia/Shanghai), YYYY-MM-DD, included' })
  @IsOptional()
  @Matches(DAY, { message: 'to must be a date YYYY-MM-DD' })
  to?: string;
}
