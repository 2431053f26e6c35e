import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsObject, IsOptional, IsPositive, IsString, MaxLength, Min, Max, MinLength, ValidateNested } from 'class-validator';
import { ThresholdFieldsDto } from '../../control/dto/threshold-fields.dto';
import { CoachingFieldsDto } from './coaching-fields.dto';

export class RaceConfigDto extends IntersectionType(ThresholdFieldsDto, CoachingFieldsDto) {
  @ApiPropertyOptional({ example: 'Ironman 70.3 Nice' })
  @IsOptional() @IsString() @MaxLength(200)
  race_name?: string;

  @ApiPropertyOptional({ enum: ['triathlon', 'bike', 'run', 'other'], default: 'triathlon' })
  @IsOptional() @IsIn(['triathlon', 'bike', 'run', 'other'])
  race_type?: 'triathlon' | 'bike' | 'run' | 'other';

  @ApiPropertyOptional({ description: 'Seconds between Garmin polls', default: 60, minimum: 1 })
  @IsOptional() @IsInt() @Min(1) @Max(3600)
  poll_interval_secs?: number;

  @ApiPropertyOptional({ description: 'Seconds between analysis cycles', default: 600, minimum: 1 })
  @IsOptional() @IsInt() @Min(1) @Max(86400)
  analyze_interval_secs?: number;

  @ApiPropertyOptional({ description: 'Minutes of data in each analysis prompt', default: 10, minimum: 1 })
  @IsOptional() @IsInt() @Min(1) @Max(1440)
  analyze_window_min?: number;

  @ApiPropertyOptional({ description: 'Stop when no new point arrived for this many minutes (decimals allowed)', default: 15 })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.01) @Max(1440)
  stale_stop_min?: number;

  @ApiPropertyOptional({ description: 'Never stop on staleness before this many minutes of tracking (decimals allowed)', default: 30 })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(2880)
  min_elapsed_min?: number;
}

export class StartSessionDto {
  @ApiProperty({
    description: 'Garmin LiveTrack share URL (…/session/{id}/token/{token}, ?token= form, or a gar.mn short link)',
    example: 'https://livetrack.garmin.com/session/0b1c.../token/ABC123...',
  })
  @IsString() @MinLength(8) @MaxLength(2000)
  url: string;

  @ApiPropertyOptional({ type: RaceConfigDto })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RaceConfigDto)
  race_config?: RaceConfigDto;
}
