import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';

/** A stored trackpoint as the API returns it; absent sensors are null, never 0. */
export class TrackpointDto {
  @ApiProperty({ example: '2026-06-01T08:15:05.000Z' }) time: string;
  @ApiProperty({ type: Number, nullable: true }) lat: number | null;
  @ApiProperty({ type: Number, nullable: true }) lon: number | null;
  @ApiProperty({ type: Number, nullable: true }) altitude_m: number | null;
  @ApiProperty({ type: Number, nullable: true }) speed_mps: number | null;
  @ApiProperty({ type: Number, nullable: true }) distance_m: number | null;
  @ApiProperty({ type: Number, nullable: true }) duration_s: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'bpm' }) heart_rate: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'rpm on the bike, steps per minute on the run' }) cadence: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'watts' }) power: number | null;
  @ApiProperty({ type: String, nullable: true }) activity_type: string | null;
  @ApiProperty({ enum: ['swim', 't1', 'bike', 't2', 'run', 'other'] }) leg: string;
  @ApiProperty({ type: String, nullable: true }) status: string | null;
}

export class PointsQueryDto {
  @ApiPropertyOptional({ description: 'Window length in minutes, counted back from the newest point', default: 10 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0.1) @Max(2880)
  minutes?: number;

  @ApiPropertyOptional({ description: 'ISO time; return points at or after it instead of the last N minutes' })
  @IsOptional() @IsISO8601({ strict: true })
  since?: string;
}

export class PointsResponseDto {
  @ApiProperty() session_id: string;
  @ApiProperty({ description: 'ISO start of the window' }) from: string;
  @ApiProperty() count: number;
  @ApiProperty({ type: [TrackpointDto] }) points: TrackpointDto[];
}
