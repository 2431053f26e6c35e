import type { AnalysisEntity } from '../storage/analysis.entity';
import type { AnalysisDto } from './dto/analyses.dto';

/** One stored cycle as the API, the dashboard and the summary show it. */
export function toAnalysisView(a: AnalysisEntity): AnalysisDto {
  return {
    job_id: a.jobId,
    session_id: a.sessionId,
    origin: a.origin,
    started_at: new Date(a.startedAt).toISOString(),
    finished_at: new Date(a.finishedAt).toISOString(),
    duration_ms: a.finishedAt - a.startedAt,
    backend: a.backend,
    outcome: a.outcome,
    detail: a.detail,
    text: a.text,
    tool_calls: a.toolCalls.map((c) => ({ name: c.name, input: c.input, ok: c.ok, result: c.result })),
    input_tokens: a.inputTokens,
    output_tokens: a.outputTokens,
  };
}
