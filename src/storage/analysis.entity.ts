import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './column-types';

/** What an analysis cycle ended with (contract: GET /sessions/:id/analyses). */
export type AnalysisOutcome = 'sent' | 'completed' | 'runner_down' | 'error' | 'timeout';

/** One tool call Claude made in a cycle, as the history shows it. */
export interface AnalysisToolCall {
  name: string;
  input: unknown;
  ok: boolean;
  /** What the tool answered (or why it failed), shortened. */
  result: string;
}

/** One analysis cycle of a session, whatever the backend. */
@Entity('analyses')
@Index('idx_analyses_session', ['sessionId', 'startedAt'])
export class AnalysisEntity {
  @PrimaryColumn({ name: 'job_id', type: 'varchar', length: 64 })
  jobId: string;

  @Column({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId: string;

  @Column({ type: 'varchar', length: 16 })
  origin: 'schedule' | 'manual';

  @Column({ type: 'varchar', length: 16 })
  backend: string;

  @Column({ name: 'started_at', type: 'bigint', transformer: epochMs })
  startedAt: number;

  @Column({ name: 'finished_at', type: 'bigint', transformer: epochMs })
  finishedAt: number;

  @Column({ type: 'varchar', length: 16 })
  outcome: AnalysisOutcome;

  /** Why it ended so (an error message, the budget reached, the runner's answer). */
  @Column({ type: 'text', nullable: true })
  detail: string | null;

  /** Claude's final text (anthropic backend); null when there is none. */
  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Column({ name: 'tool_calls', type: 'simple-json' })
  toolCalls: AnalysisToolCall[];

  @Column({ name: 'input_tokens', type: 'integer', default: 0 })
  inputTokens: number;

  @Column({ name: 'output_tokens', type: 'integer', default: 0 })
  outputTokens: number;
}
