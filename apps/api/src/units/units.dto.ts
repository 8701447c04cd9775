import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';

export class CreateUnitDto {
  @ApiProperty({ example: '区财政局' })
  @IsString({ message: 'name must be a string' })
  @Length(1, 100, { message: 'name must be 1 to 100 characters long' })
  name: string;

  @ApiProperty({ example: 6, minimum: 0, description: 'how many cars the unit may hold (编制)' })
  @IsInt({ message: 'vehicleQuota must be a whole number' })
  @Min(0, { message: 'vehicleQuota must be from 0 to 10000' })
  @Max(10_000, { message: 'vehicleQuota must be from 0 to 10000' })
  vehicleQuota: number;
}
