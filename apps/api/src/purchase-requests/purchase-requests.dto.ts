import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { VEHICLE_CATEGORIES, type VehicleCategory } from '#app/db';
import { IsDecimalNumber } from '../common/validators.js';

export const CNY_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

export class CreatePurchaseRequestDto {
  @ApiPropertyOptional({ description: 'defaults to the clerk’s own unit' })
  @IsOptional()
  @IsUUID()
  unitId?: string;

  @ApiProperty({ enum: VEHICLE_CATEGORIES })
  @IsIn(VEHICLE_CATEGORIES, { message: `category must be one of: ${VEHICLE_CATEGORIES.join(', ')}` })
  category: VehicleCategory;

  @ApiProperty({ minimum: 1, maximum: 100 })
  @IsInt()
  @Min(1)
  @Max(100)
  count: number;

  @ApiProperty({ example: '175000.00', description: 'total budget in CNY, as a decimal string' })
  @IsString()
  @Matches(CNY_PATTERN, { message: 'budgetCny must be a decimal string such as "175000.00"' })
  budgetCny: string;

  @ApiProperty({ example: 1.5, description: 'engine size in litres (0 for an electric car)' })
  @IsDecimalNumber(2)
  @Min(0)
  @Max(10)
  engineL: number;

  @ApiProperty()
  @IsString()
  @MinLength(5)
  @MaxLength(4000)
  justification: string;

  @ApiPropertyOptional({ description: 'the car this one replaces, decommissioned on delivery' })
  @IsOptional()
  @IsUUID()
  replacesVehicleId?: string;
}

export class PreReviewDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  note?: string;
}

export class StandardDto {
  @ApiProperty({ enum: VEHICLE_CATEGORIES })
  @IsIn(VEHICLE_CATEGORIES, { message: `category must be one of: ${VEHICLE_CATEGORIES.join(', ')}` })
  category: VehicleCategory;

  @ApiProperty({ example: '180000.00' })
  @IsString()
  @Matches(CNY_PATTERN, { message: 'priceLimitCny must be a decimal string such as "180000.00"' })
  priceLimitCny: string;

  @ApiProperty({ example: 1.8 })
  @IsDecimalNumber(2)
  @Min(0)
  @Max(10)
  engineLimitL: number;
}
