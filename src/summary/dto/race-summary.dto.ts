import { ApiProperty } from '@nestjs/swagger';
import { ThresholdsDto } from '../../control/dto/threshold-fields.dto';
import { AnalysisStatusDto } from '../../tracking/dto/session-status.dto';

export class MetricFiguresDto {
  @ApiProperty({ type: Number, nullable: true }) avg: number | null;
  @ApiProperty({ type: Number, nullable: true }) max: number | null;
}

export class GapsDto {
  @ApiProperty({ description: 'Silences longer than 60 s between points' }) count: number;
  @ApiProperty() total_s: number;
}

const overDescription = 'Seconds beyond each applicable threshold, keyed by threshold field (e.g. hr_max)';

export class LegFiguresDto {
  @ApiProperty({ enum: ['swim', 't1', 'bike', 't2', 'run', 'other'] }) leg: string;
  @ApiProperty() started_at: string;
  @ApiProperty() ended_at: string;
  @ApiProperty() duration_s: number;
  @ApiProperty({ type: Number, nullable: true }) distance_m: number | null;
  @ApiProperty() points: number;
  @ApiProperty({ type: MetricFiguresDto, description: 'bpm' }) heart_rate: MetricFiguresDto;
  @ApiProperty({ type: MetricFiguresDto, description: 'watts' }) power: MetricFiguresDto;
  @ApiProperty({ type: MetricFiguresDto, description: 'rpm on the bike, steps/min on the run' }) cadence: MetricFiguresDto;
  @ApiProperty({ type: MetricFiguresDto }) speed_mps: MetricFiguresDto;
  @ApiProperty({ type: Number, nullable: true }) elevation_gain_m: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: overDescription }) time_over_thresholds_s: Record<string, number>;
  @ApiProperty({ type: GapsDto }) gaps: GapsDto;
}

export class RaceTotalsDto {
  @ApiProperty() duration_s: number;
  @ApiProperty({ type: Number, nullable: true }) distance_m: number | null;
  @ApiProperty() points: number;
  @ApiProperty({ type: MetricFiguresDto }) heart_rate: MetricFiguresDto;
  @ApiProperty({ type: MetricFiguresDto }) power: MetricFiguresDto;
  @ApiProperty({ type: MetricFiguresDto }) cadence_bike_rpm: MetricFiguresDto;
  @ApiProperty({ type: MetricFiguresDto }) cadence_run_spm: MetricFiguresDto;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: overDescription }) time_over_thresholds_s: Record<string, number>;
}

export class AnalysisTotalsDto {
  @ApiProperty({ description: 'Stored analysis cycles' }) cycles: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Cycles per outcome (sent, completed, runner_down, error, timeout)' }) by_outcome: Record<string, number>;
  @ApiProperty({ description: 'Tool calls Claude made across the cycles (anthropic backend)' }) tool_calls: number;
  @ApiProperty() input_tokens: number;
  @ApiProperty() output_tokens: number;
}

export class RaceSummaryDto {
  @ApiProperty() session_id: string;
  @ApiProperty({ type: String, nullable: true }) race_name: string | null;
  @ApiProperty({ enum: ['triathlon', 'bike', 'run', 'other'] }) race_type: string;
  @ApiProperty({ type: String, nullable: true }) athlete: string | null;
  @ApiProperty({ enum: ['active', 'finished', 'stopped'] }) state: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ type: String, nullable: true, enum: ['end_event', 'garmin_end', 'stale', 'gone', 'expired', 'manual'] }) stop_reason: string | null;
  @ApiProperty({ type: String, nullable: true }) stop_detail: string | null;
  @ApiProperty() tracking_started_at: string;
  @ApiProperty({ type: String, nullable: true }) tracking_stopped_at: string | null;
  @ApiProperty({ type: String, nullable: true }) first_point_at: string | null;
  @ApiProperty({ type: String, nullable: true }) last_point_at: string | null;
  @ApiProperty({ type: RaceTotalsDto }) totals: RaceTotalsDto;
  @ApiProperty({ type: [LegFiguresDto] }) legs: LegFiguresDto[];
  @ApiProperty({ type: ThresholdsDto }) thresholds: ThresholdsDto;
  @ApiProperty() alerts_sent: number;
  @ApiProperty({ type: AnalysisStatusDto }) analysis: AnalysisStatusDto;
  @ApiProperty({ description: 'Coaching metrics as GET /sessions/:id/metrics: { race: Metrics, legs: [{ leg, ...Metrics }] }' }) metrics: Record<string, unknown>;
  @ApiProperty({ description: 'CourseProgress, null without a course', nullable: true, type: Object }) course: Record<string, unknown> | null;
  @ApiProperty({ type: AnalysisTotalsDto, description: 'The analysis history in figures (GET /sessions/:id/analyses lists the cycles)' }) analyses: AnalysisTotalsDto;
}
