import { Injectable } from '@nestjs/common';
import { ClaudeRunnerClient, RUNNER_TIMEOUT_MS } from '../claude-runner.client';
import { AnalysisBackend, CycleInput, CycleResult, emptyResult } from './analysis-backend';

/**
 * The seed's behaviour: the prompt goes to the Claude runner, which acts through our MCP tools on
 * its own. We only learn whether it took the prompt (`sent`), so no text, tool calls or tokens.
 */
@Injectable()
export class ClaudeRunnerBackend extends AnalysisBackend {
  readonly name = 'claude-runner' as const;

  constructor(private readonly runner: ClaudeRunnerClient) {
    super();
  }

  async run(input: CycleInput): Promise<CycleResult> {
    const timeoutMs = Math.max(1, Math.min(RUNNER_TIMEOUT_MS, input.deadline - Date.now()));
    const outcome = await this.runner.run(input.prompt, input.signal, timeoutMs);
    // A cancelled request is the cycle's timeout or shutdown: the service names which.
    return emptyResult(outcome.result === 'cancelled' ? 'error' : outcome.result, outcome.detail);
  }
}
