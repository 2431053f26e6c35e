import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { RaceConfigDto } from '../../tracking/dto/start-session.dto';
import { TELEGRAM_CHAT_ID_PATTERN } from '../../telegram/telegram.client';

/** Body of PUT /athletes/:key; the same class validates set_athlete and every other caller (AthletesService.put). */
export class PutAthleteDto {
  @ApiProperty({ description: "Garmin's athlete name as the watch owner set it (matched ignoring case and accents)", example: 'Zoë Müller' })
  @IsString() @IsNotEmpty() @MaxLength(200) @Matches(/\S/, { message: 'display_name must not be blank' })
  display_name: string;

  @ApiPropertyOptional({ type: RaceConfigDto, description: "Default race_config of this athlete's sessions (same fields and rules as POST /sessions)" })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RaceConfigDto)
  race_config?: RaceConfigDto;

  @ApiPropertyOptional({ description: "Telegram chat for this athlete's alerts and coaching messages: a numeric chat id or @channel (default TELEGRAM_CHAT_ID)", example: '-1001234567890', nullable: true, type: String })
  @IsOptional() @IsString() @Matches(TELEGRAM_CHAT_ID_PATTERN, { message: 'telegram_chat_id must be a numeric Telegram chat id (optionally negative) or @channelname' })
  telegram_chat_id?: string | null;
}

export class AthleteDto {
  @ApiProperty({ example: 'zoe' }) key: string;
  @ApiProperty({ example: 'Zoë Müller' }) display_name: string;
  @ApiProperty({ type: Object, description: 'race_config as given' }) race_config: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) telegram_chat_id: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class AthleteListDto {
  @ApiProperty({ type: [AthleteDto] }) athletes: AthleteDto[];
}
