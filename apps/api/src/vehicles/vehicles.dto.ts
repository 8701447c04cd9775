import { QueryNumber } from '../common/query-number.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MAX_OFFSET } from '../common/validators.js';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min, ValidateBy } from 'class-validator';
import { isValidPlate, VEHICLE_CATEGORIES, type VehicleCategory, type VehicleStatus } from '#app/db';
import { IsDay } from './validation.js';

const CATEGORY_MESSAGE = `category must be one of: ${VEHICLE_CATEGORIES.join(', ')}`;
const STATUSES: VehicleStatus[] = ['active', 'decommissioned'];

function IsPlate(): PropertyDecorator {
  return ValidateBy({
    name: 'isPlate',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isValidPlate(value),
      defaultMessage: (args) =>
        `plateNumber must be a Chinese plate such as 苏N·A1234 (province, office letter, 5–6 characters), got ${JSON.stringify(args?.value)}`,
    },
  });
}

export class CreateVehicleDto {
  @ApiProperty({ example: '苏N·A1234', description: 'compared after removing spaces, `·` and `-` and upper-casing' })
  @IsPlate()
  plateNumber: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'unitId must be a UUID' })
  unitId: string;

  @ApiProperty({ enum: VEHICLE_CATEGORIES, example: 'general' })
  @IsIn(VEHICLE_CATEGORIES, { message: CATEGORY_MESSAGE })
  category: VehicleCategory;

  @ApiPropertyOptional({ example: '2024-03-01', description: 'the day the car joined the fleet; default today' })
  @IsOptional()
  @IsDay()
  commissionedOn?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'the approved purchase this car was bought under; until all its cars are registered, the purchase counts against the unit quota',
  })
  @IsOptional()
  @IsUUID('all', { message: 'purchaseRequestId must be a UUID' })
  purchaseRequestId?: string;
}

export class ListVehiclesQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'only the cars of this unit' })
  @IsOptional()
  @IsUUID('all', { message: 'unitId must be a UUID' })
  unitId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'the same as unitId' })
  @IsOptional()
  @IsUUID('all', { message: 'unit must be a UUID' })
  unit?: string;

  @ApiPropertyOptional({ enum: VEHICLE_CATEGORIES })
  @IsOptional()
  @IsIn(VEHICLE_CATEGORIES, { message: CATEGORY_MESSAGE })
  category?: VehicleCategory;

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `status must be one of: ${STATUSES.join(', ')}` })
  status?: VehicleStatus;

  @ApiPropertyOptional({ description: 'matches the normalised plate anywhere, e.g. A12' })
  @IsOptional()
  @IsString()
  @Matches(/^[^%_\\]{1,16}$/, { message: 'plate must be 1 to 16 characters without % _ or \\' })
  plate?: string;

  @ApiPropertyOptional({ minimum: 1, default: 1 })
  @IsOptional()
  @QueryNumber()
  @IsInt({ message: 'page must be a whole number' })
  @Min(1, { message: 'page must be at least 1' })
  @Max(MAX_OFFSET / 500, { message: `page must be at most ${MAX_OFFSET / 500}` })
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @QueryNumber()
  @IsInt({ message: 'pageSize must be a whole number' })
  @Min(1, { message: 'pageSize must be from 1 to 500' })
  @Max(500, { message: 'pageSize must be from 1 to 500' })
  pageSize?: number;
}

export class DecommissionDto {
  @ApiProperty({
    example: '2026-11-01',
    description: 'the day the car leaves the fleet; its terminal binding ends that day',
  })
  @IsDay()
  date: string;
}

export class BindTerminalDto {
  @ApiProperty({ example: '13800000001' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'terminalId must be 1 to 32 letters, digits, _ or -' })
  terminalId: string;

  @ApiProperty({ example: '2026-01-01', description: 'the first day of the binding' })
  @IsDay()
  from: string;
}

export class UnbindTerminalDto {
  @ApiProperty({ example: '2026-11-20', description: 'the last day of the binding (inclusive)' })
  @IsDay()
  to: string;
}

export class BindingsQuery {
  @ApiPropertyOptional({
    example: '2026-03-01',
    description: 'only the binding that held on this day (0 or 1 entries)',
  })
  @IsOptional()
  @IsDay()
  on?: string;
}
