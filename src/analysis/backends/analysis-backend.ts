import type { AnalysisBackendName } from '../../config/app-config';
import type { AnalysisOutcome, AnalysisToolCall } from '../../storage/analysis.entity';

/** What one analysis cycle hands a backend. */
export interface CycleInput {
  sessionId: string;
  prompt: string;
  /** Aborted when the cycle's time is up (ANALYSIS_TIMEOUT_S) or the server shuts down. */
  signal: AbortSignal;
  /** When the whole cycle must be over (epoch ms): per-request timeouts never reach past it. */
  deadline: number;
  /** Tokens (input + output) this race may still spend; a backend stops its tool loop before passing it. */
  tokensLeft: number;
}

/** What the cycle came to. Backends never throw: every failure is an outcome with its detail. */
export interface CycleResult {
  outcome: AnalysisOutcome;
  /** One line on why it ended so. */
  detail: string;
  /** Claude's final text, when the backend sees it (anthropic); null for claude-runner. */
  text: string | null;
  toolCalls: AnalysisToolCall[];
  inputTokens: number;
  outputTokens: number;
}

/**
 * One analysis backend, chosen by ANALYSIS_BACKEND. The AnalysisService owns scheduling, the
 * prompt, the timeout, the cost guard and the history; a backend only carries the prompt to Claude
 * and reports what happened. A result after the signal aborted is taken as cut short.
 */
export abstract class AnalysisBackend {
  abstract readonly name: AnalysisBackendName;
  /** How Claude acts on the prompt: over this server's REST/MCP (http) or through tools in the request. */
  readonly promptActions: 'http' | 'tools' = 'http';
  abstract run(input: CycleInput): Promise<CycleResult>;
}

export function emptyResult(outcome: AnalysisOutcome, detail: string): CycleResult {
  return { outcome, detail, text: null, toolCalls: [], inputTokens: 0, outputTokens: 0 };
}
