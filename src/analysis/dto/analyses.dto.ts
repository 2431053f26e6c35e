import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class AnalysesQueryDto {
  @ApiPropertyOptional({ description: 'Cycles per page, newest first', default: 20, minimum: 1, maximum: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cycles to skip (the next page starts at offset + limit)', default: 0, minimum: 0 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(1_000_000)
  offset?: number;
}

export class AnalysisToolCallDto {
  @ApiProperty({ enum: ['update_thresholds', 'send_coaching_message'], description: 'Tool Claude called' }) name: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The input Claude gave' }) input: unknown;
  @ApiProperty({ description: 'Whether the tool did it (false: refused or failed; Claude was told why)' }) ok: boolean;
  @ApiProperty({ description: 'What the tool answered Claude, shortened' }) result: string;
}

export class AnalysisDto {
  @ApiProperty() job_id: string;
  @ApiProperty() session_id: string;
  @ApiProperty({ enum: ['schedule', 'manual'] }) origin: string;
  @ApiProperty({ description: 'ISO' }) started_at: string;
  @ApiProperty({ description: 'ISO' }) finished_at: string;
  @ApiProperty() duration_ms: number;
  @ApiProperty({ enum: ['claude-runner', 'anthropic', 'off'] }) backend: string;
  @ApiProperty({ enum: ['sent', 'completed', 'runner_down', 'error', 'timeout'] }) outcome: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why it ended so (error message, budget reached, runner answer)' }) detail: string | null;
  @ApiProperty({ type: String, nullable: true, description: "Claude's final text (anthropic backend)" }) text: string | null;
  @ApiProperty({ type: [AnalysisToolCallDto] }) tool_calls: AnalysisToolCallDto[];
  @ApiProperty() input_tokens: number;
  @ApiProperty() output_tokens: number;
}

export class AnalysesPageDto {
  @ApiProperty() session_id: string;
  @ApiProperty({ description: 'Cycles stored for the session' }) total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
  @ApiProperty({ type: [AnalysisDto], description: 'Newest first' }) analyses: AnalysisDto[];
}
