import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ThresholdFieldsDto, ThresholdsDto } from './threshold-fields.dto';

/** POST /control body, compatible with the seed's endpoint. */
export class ControlDto extends ThresholdFieldsDto {
  @ApiPropertyOptional({ description: 'Session to update; required only when more than one session is active' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'session_id must be a LiveTrack session id' })
  session_id?: string;
}

export class ControlResultDto {
  @ApiProperty() session_id: string;
  @ApiProperty({ type: ThresholdsDto }) thresholds: ThresholdsDto;
  @ApiProperty({ description: 'Threshold fields this request changed', type: [String] }) changed: string[];
  @ApiProperty({ description: 'When the thresholds last changed (ISO)' }) updated_at: string;
  @ApiProperty({ description: 'Who changed them (rest, mcp, race_config)' }) updated_by: string;
}
