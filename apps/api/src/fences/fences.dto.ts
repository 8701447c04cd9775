import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
} from 'class-validator';
import { COORDINATE_SYSTEMS, FENCE_KINDS, type CoordinateSystem, type FenceKind } from '#app/geo';

const GEOMETRY_DOC =
  'GeoJSON geometry as drawn: Polygon or MultiPolygon; Point with radiusM (circle); LineString with widthM ' +
  '(corridor, full width). Positions are [longitude, latitude]. Unclosed rings are closed by repeating the first position.';

export class CreateFenceDto {
  @ApiProperty({ example: '欢唱KTV' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: FENCE_KINDS })
  @IsIn(FENCE_KINDS, { message: `kind must be one of: ${FENCE_KINDS.join(', ')}` })
  kind: FenceKind;

  @ApiProperty({ enum: COORDINATE_SYSTEMS, description: 'the system the shape was drawn in; stored as WGS-84' })
  @IsIn(COORDINATE_SYSTEMS, { message: `coordinateSystem must be one of: ${COORDINATE_SYSTEMS.join(', ')}` })
  coordinateSystem: CoordinateSystem;

  @ApiProperty({ description: GEOMETRY_DOC, example: { type: 'Point', coordinates: [118.3525, 33.9645] } })
  @IsObject()
  geometry: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'circle radius in metres (Point geometry only)' })
  @IsOptional()
  @IsNumber()
  radiusM?: number;

  @ApiPropertyOptional({ description: 'corridor full width in metres (LineString geometry only)' })
  @IsOptional()
  @IsNumber()
  widthM?: number;

  @ApiPropertyOptional({ description: 'required for kind speed_zone, not allowed otherwise' })
  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(250)
  speedLimitKmh?: number;

  @ApiPropertyOptional({ description: 'parking only: the cars whose designated lot this is' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsUUID('all', { each: true })
  vehicleIds?: string[];

  @ApiPropertyOptional({ description: 'parking only: the units whose designated lot this is' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsUUID('all', { each: true })
  unitIds?: string[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

/** PATCH: any subset of the fields; a changed shape is validated and converted again. */
export class UpdateFenceDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: FENCE_KINDS })
  @IsOptional()
  @IsIn(FENCE_KINDS, { message: `kind must be one of: ${FENCE_KINDS.join(', ')}` })
  kind?: FenceKind;

  @ApiPropertyOptional({ enum: COORDINATE_SYSTEMS })
  @IsOptional()
  @IsIn(COORDINATE_SYSTEMS, { message: `coordinateSystem must be one of: ${COORDINATE_SYSTEMS.join(', ')}` })
  coordinateSystem?: CoordinateSystem;

  @ApiPropertyOptional({ description: GEOMETRY_DOC })
  @IsOptional()
  @IsObject()
  geometry?: Record<string, unknown>;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsNumber()
  radiusM?: number | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsNumber()
  widthM?: number | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(250)
  speedLimitKmh?: number | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsUUID('all', { each: true })
  vehicleIds?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsUUID('all', { each: true })
  unitIds?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ImportFencesDto {
  @ApiProperty({ enum: ['FeatureCollection'] })
  @Equals('FeatureCollection', { message: 'type must be FeatureCollection' })
  type: 'FeatureCollection';

  @ApiProperty({ enum: COORDINATE_SYSTEMS, description: 'the system all features were drawn in' })
  @IsIn(COORDINATE_SYSTEMS, { message: `coordinateSystem must be one of: ${COORDINATE_SYSTEMS.join(', ')}` })
  coordinateSystem: CoordinateSystem;

  @ApiProperty({
    description:
      'GeoJSON features; properties carry name, kind and optionally radiusM, widthM, speedLimitKmh, vehicleIds, unitIds, active',
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @IsObject({ each: true })
  features: Record<string, unknown>[];

  @ApiPropertyOptional({ description: 'ignored: GeoJSON allows a name on a collection' })
  @IsOptional()
  @IsString()
  name?: string;

  @ApiPropertyOptional({ description: 'ignored: the GeoJSON bounding box of the collection', type: [Number] })
  @IsOptional()
  @IsArray()
  bbox?: number[];
}

export class ListFencesQuery {
  @ApiPropertyOptional({ enum: FENCE_KINDS })
  @IsOptional()
  @IsIn(FENCE_KINDS, { message: `kind must be one of: ${FENCE_KINDS.join(', ')}` })
  kind?: FenceKind;
}
