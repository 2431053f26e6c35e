import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The eight threshold fields, shared by race_config and POST /control. */
export class ThresholdFieldsDto {
  @ApiPropertyOptional({ description: 'Bike heart-rate ceiling, bpm (null clears it)', example: 144, nullable: true, type: Number })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  hr_max?: number;

  @ApiPropertyOptional({ description: 'Bike heart-rate floor, bpm (null clears it)', example: 110, nullable: true, type: Number })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  hr_min?: number;

  @ApiPropertyOptional({ description: 'Bike power ceiling, watts (null clears it)', example: 165, nullable: true, type: Number })
  @IsOptional() @IsInt() @Min(1) @Max(3000)
  power_max?: number;

  @ApiPropertyOptional({ description: 'Bike power floor, watts (null clears it)', example: 120, nullable: true, type: Number })
  @IsOptional() @IsInt() @Min(1) @Max(3000)
  power_min?: number;

  @ApiPropertyOptional({ description: 'Bike cadence floor, rpm (null clears it)', example: 80, nullable: true, type: Number })
  @IsOptional() @IsInt() @Min(1) @Max(300)
  cadence_min?: number;

  @ApiPropertyOptional({ description: 'Run heart-rate ceiling, bpm (null clears it)', example: 155, nullable: true, type: Number })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  run_hr_max?: number;

  @ApiPropertyOptional({ description: 'Run heart-rate floor, bpm (null clears it)', example: 120, nullable: true, type: Number })
  @IsOptional() @IsInt() @Min(1) @Max(250)
  run_hr_min?: number;

  @ApiPropertyOptional({ description: 'Run cadence floor, steps per minute (null clears it)', example: 170, nullable: true, type: Number })
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
