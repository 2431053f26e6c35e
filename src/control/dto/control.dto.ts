import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { CoachingFieldsDto } from '../../tracking/dto/coaching-fields.dto';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ThresholdFieldsDto, ThresholdsDto } from './threshold-fields.dto';

/** POST /control body, compatible with the seed's endpoint; also takes the coaching fields of race_config. */
export class ControlDto extends IntersectionType(ThresholdFieldsDto, CoachingFieldsDto) {
  @ApiPropertyOptional({ description: 'Session to update; required only when more than one session is active' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'session_id must be a LiveTrack session id' })
  session_id?: string;
}

export class ControlResultDto {
  @ApiProperty() session_id: string;
  @ApiProperty({ type: ThresholdsDto }) thresholds: ThresholdsDto;
  @ApiProperty({ description: 'Physiology, fuel_every_min and metric-alert settings now in race_config (null = not set)' }) coaching: Record<string, number | null>;
  @ApiProperty({ description: 'Fields this request changed', type: [String] }) changed: string[];
  @ApiProperty({ description: 'When the thresholds last changed (ISO)' }) updated_at: string;
  @ApiProperty({ description: 'Who changed them (rest, mcp, race_config)' }) updated_by: string;
}
