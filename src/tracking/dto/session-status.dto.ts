import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ThresholdsDto } from '../../control/dto/threshold-fields.dto';

export class AnalysisStatusDto {
  @ApiProperty() runs: number;
  @ApiProperty() errors: number;
  @ApiProperty({ type: String, nullable: true, description: 'ISO time of the last analysis cycle' }) last_at: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Outcome of the last cycle: sent, completed, runner_down, error or timeout' }) last_result: string | null;
}

/** What GET /sessions/:id answers (and start/stop return). */
export class SessionStatusDto {
  @ApiProperty({ description: 'Garmin LiveTrack session id' }) session_id: string;
  @ApiProperty({ description: 'Share URL with its token redacted' }) url: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ enum: ['active', 'finished', 'stopped'] }) state: string;
  @ApiProperty({ description: 'What the poller is doing now', enum: ['polling', 'waiting', 'backing_off', 'resuming', 'watching', 'idle'] }) poll_state: string;
  @ApiProperty({ type: String, nullable: true, enum: ['end_event', 'garmin_end', 'stale', 'gone', 'expired', 'manual'], description: 'stale and gone are provisional while watching_until is set' }) stop_reason: string | null;
  @ApiProperty({ type: String, nullable: true }) stop_detail: string | null;
  @ApiProperty({ type: String, nullable: true, description: "After a stale/gone stop: the cheap watch for new points lasts until then (at most the link's 24 h life); null when not watching" }) watching_until: string | null;
  @ApiProperty({ description: 'How often new points brought the session back from a watch' }) revivals: number;
  @ApiProperty({ enum: ['api', 'page'], description: 'Where points come from: the JSON endpoint, or the share-page fallback' }) points_source: string;
  @ApiProperty({ type: String, nullable: true }) race_name: string | null;
  @ApiProperty({ enum: ['triathlon', 'bike', 'run', 'other'] }) race_type: string;
  @ApiProperty({ type: String, nullable: true }) session_name: string | null;
  @ApiProperty({ type: String, nullable: true }) athlete: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Key of the athlete profile the session was matched to (GET /athletes/:key)' }) athlete_key: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The session this one continues (the watch was restarted mid-race); the race view, metrics, summary and exports cover the whole chain' }) previous_session_id: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The session that continues this one (this one then stopped for good: stop_reason manual)' }) next_session_id: string | null;
  @ApiProperty({ description: 'ISO time tracking started' }) started_at: string;
  @ApiProperty({ type: String, nullable: true }) stopped_at: string | null;
  @ApiProperty({ description: 'Seconds since tracking started (until it stopped)' }) elapsed_s: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds since a new point last arrived' }) stale_s: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Race time of the newest stored point (ISO)' }) last_point_at: string | null;
  @ApiProperty() points: number;
  @ApiProperty() polls: number;
  @ApiProperty() poll_errors: number;
  @ApiProperty({ type: String, nullable: true }) last_error: string | null;
  @ApiProperty({ type: String, nullable: true }) last_poll_at: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'When the next poll is due (ISO)' }) next_poll_at: string | null;
  @ApiProperty({ type: ThresholdsDto }) thresholds: ThresholdsDto;
  @ApiProperty({ type: String, nullable: true }) thresholds_updated_at: string | null;
  @ApiProperty({ type: String, nullable: true }) thresholds_updated_by: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'REPLICA_ID of the replica polling the session (its lease); null when nobody holds one' }) polled_by: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['swim', 't1', 'bike', 't2', 'run', 'other'] }) current_leg: string | null;
  @ApiProperty({ type: Object, description: 'race_config with defaults applied' }) race_config: Record<string, unknown>;
  @ApiProperty({ type: AnalysisStatusDto }) analysis: AnalysisStatusDto;
  @ApiProperty() alerts_sent: number;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionStatusDto] }) sessions: SessionStatusDto[];
}

export class AnalysisAcceptedDto {
  @ApiProperty({ example: 'a1b2c3' }) job_id: string;
  @ApiPropertyOptional() session_id?: string;
}
