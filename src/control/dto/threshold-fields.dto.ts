import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The eight threshold fields, shared by race_config and POST /control. */
export class ThresholdFieldsDto {
  @ApiPropertyOptional({ description: 'Bike heart-rate ceiling, bpm', example: 144 })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  hr_max?: number;

  @ApiPropertyOptional({ description: 'Bike heart-rate floor, bpm', example: 110 })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  hr_min?: number;

  @ApiPropertyOptional({ description: 'Bike power ceiling, watts', example: 165 })
  @IsOptional() @IsInt() @Min(1) @Max(3000)
  power_max?: number;

  @ApiPropertyOptional({ description: 'Bike power floor, watts', example: 120 })
  @IsOptional() @IsInt() @Min(1) @Max(3000)
  power_min?: number;

  @ApiPropertyOptional({ description: 'Bike cadence floor, rpm', example: 80 })
  @IsOptional() @IsInt() @Min(1) @Max(300)
  cadence_min?: number;

  @ApiPropertyOptional({ description: 'Run heart-rate ceiling, bpm', example: 155 })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  run_hr_max?: number;

  @ApiPropertyOptional({ description: 'Run heart-rate floor, bpm', example: 120 })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  run_hr_min?: number;

  @ApiPropertyOptional({ description: 'Run cadence floor, steps per minute', example: 170 })
  @IsOptional() @IsInt() @Min(1) @Max(300)
  run_cadence_min?: number;
}

export class ThresholdsDto {
  @ApiPropertyOptional({ type: Number, nullable: true }) hr_max: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) hr_min: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) power_max: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) power_min: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) cadence_min: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) run_hr_max: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) run_hr_min: number | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) run_cadence_min: number | null;
}
