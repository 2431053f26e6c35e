import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { AppConfig } from '../config/app-config';

/** Recorded on the session as last_result: the runner took it, was unreachable, or refused it. */
export type RunnerResult = 'sent' | 'runner_down' | 'error';

export interface RunnerOutcome {
  /** 'cancelled' only when shutdown cut the request short (not recorded). */
  result: RunnerResult | 'cancelled';
  status: number | null;
  detail: string;
}

/**
 * The one client for the Claude runner: POST {CLAUDE_RUNNER_URL}/run with {prompt, workspace}.
 * Fire-and-forget: the runner's answer body is not used, only whether it took the prompt. Never
 * throws; every failure comes back as an outcome so the caller can count it and retry next cycle.
 */
@Injectable()
export class ClaudeRunnerClient {
  private readonly timeoutMs: number;
  private readonly runUrl: string;
  private cancel = new AbortController();

  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
  ) {
    // Long enough for a runner that answers once Claude has started; a hung runner counts as down.
    this.timeoutMs = 30_000;
    this.runUrl = `${config.claudeRunnerUrl}/run`;
  }

  async run(prompt: string): Promise<RunnerOutcome> {
    try {
      const response = await firstValueFrom(
        this.http.post(
          this.runUrl,
          { prompt, workspace: this.config.claudeWorkspace },
          {
            timeout: this.timeoutMs,
            signal: this.cancel.signal,
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
      if (code === 'ERR_CANCELED') return { result: 'cancelled', status: null, detail: 'cancelled by shutdown' };
      const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
      return {
        result: 'runner_down',
        status: null,
        detail: timedOut ? `runner did not answer within ${this.timeoutMs} ms` : `cannot reach the runner at ${this.runUrl} (${code ?? (error as Error).message})`,
      };
    }
  }

  /** Aborts every request in flight (shutdown). */
  cancelAll(): void {
    this.cancel.abort();
    this.cancel = new AbortController();
  }
}
