import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { AppConfig } from '../config/app-config';

/** The runner took it, was unreachable, or refused it. */
export type RunnerResult = 'sent' | 'runner_down' | 'error';

export interface RunnerOutcome {
  /** 'cancelled' when the caller's signal cut the request short. */
  result: RunnerResult | 'cancelled';
  status: number | null;
  detail: string;
}

/** Long enough for a runner that answers once Claude has started; a hung runner counts as down. */
export const RUNNER_TIMEOUT_MS = 30_000;

/**
 * The one client for the Claude runner: POST {CLAUDE_RUNNER_URL}/run with {prompt, workspace}.
 * Fire-and-forget: the runner's answer body is not used, only whether it took the prompt. Never
 * throws; every failure comes back as an outcome so the caller can count it and retry next cycle.
 */
@Injectable()
export class ClaudeRunnerClient {
  private readonly runUrl: string;

  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
  ) {
    this.runUrl = `${config.claudeRunnerUrl}/run`;
  }

  async run(prompt: string, signal: AbortSignal, timeoutMs = RUNNER_TIMEOUT_MS): Promise<RunnerOutcome> {
    try {
      const response = await firstValueFrom(
        this.http.post(
          this.runUrl,
          { prompt, workspace: this.config.claudeWorkspace },
          {
            timeout: timeoutMs,
            signal,
            validateStatus: () => true,
            responseType: 'text',
            transformResponse: (data: unknown) => data,
            proxy: false,
          },
        ),
      );
      if (response.status >= 200 && response.status < 300) return { result: 'sent', status: response.status, detail: `HTTP ${response.status}` };
      const body = typeof response.data === 'string' ? response.data.replace(/\s+/g, ' ').slice(0, 200) : '';
      return { result: 'error', status: response.status, detail: `runner answered HTTP ${response.status}${body ? `: ${body}` : ''}` };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_CANCELED' || signal.aborted) return { result: 'cancelled', status: null, detail: 'cancelled' };
      const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
      return {
        result: 'runner_down',
        status: null,
        detail: timedOut ? `runner did not answer within ${timeoutMs} ms` : `cannot reach the runner at ${this.runUrl} (${code ?? (error as Error).message})`,
      };
    }
  }
}
