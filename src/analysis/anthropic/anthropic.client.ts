import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  OverloadedError,
  PermissionDeniedError,
  RateLimitError,
  type Middleware,
} from '@anthropic-ai/sdk';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';

/** Retries of one request by the SDK itself (408/409/429/5xx incl. 529, connection errors), with its own backoff and retry-after. */
export const ANTHROPIC_MAX_RETRIES = 2;
/** The SDK's timeout when a call gives none; calls from a cycle always pass their own. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** How much of the API's own error message a detail keeps. */
const API_MESSAGE_MAX = 200;

/** Why a Messages API call failed, for the cycle's detail (and tests). */
export type AnthropicFailure =
  | 'not_configured'
  | 'auth'
  | 'permission'
  | 'bad_request'
  | 'not_found'
  | 'rate_limited'
  | 'overloaded'
  | 'server'
  | 'timeout'
  | 'cancelled'
  | 'connection'
  | 'other';

/**
 * A failed Messages API call with a one-line, key-free message. Only this (never the SDK's error,
 * which carries the request's headers) leaves the client.
 */
export class AnthropicCallError extends Error {
  constructor(
    readonly kind: AnthropicFailure,
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'AnthropicCallError';
  }
}

export interface CreateMessageOptions {
  /** Cancels the call (and the SDK's retry waits): the cycle's timeout or shutdown. */
  signal?: AbortSignal;
  /** Per attempt; the SDK retries a timed-out attempt while retries and the signal allow. */
  timeoutMs?: number;
}

/**
 * The one client of the Anthropic Messages API: the official SDK with our base URL, key and retry
 * settings. Built on first use, so a server running another backend (no key) constructs it freely.
 */
@Injectable()
export class AnthropicClient {
  private sdk: Anthropic | null = null;

  constructor(private readonly config: AppConfig) {}

  /** POST /v1/messages (non-streaming). Throws only AnthropicCallError. */
  async createMessage(params: Anthropic.MessageCreateParamsNonStreaming, options: CreateMessageOptions = {}): Promise<Anthropic.Message> {
    const timeoutMs = Math.max(1, Math.floor(options.timeoutMs ?? DEFAULT_TIMEOUT_MS));
    let attempts = 0;
    // Runs once per HTTP attempt inside the SDK's retry loop: counts them for the error message.
    const countAttempts: Middleware = (request, next) => {
      attempts++;
      return next(request);
    };
    try {
      return await this.client().messages.create(params, {
        signal: options.signal,
        timeout: timeoutMs,
        maxRetries: ANTHROPIC_MAX_RETRIES,
        middleware: [countAttempts],
      });
    } catch (error) {
      throw this.describe(error, Math.max(0, attempts - 1), timeoutMs);
    }
  }

  private client(): Anthropic {
    const apiKey = this.config.anthropicApiKey;
    if (!apiKey) throw new AnthropicCallError('not_configured', 'ANTHROPIC_API_KEY is not set: the anthropic analysis backend needs an API key');
    this.sdk ??= new Anthropic({
      apiKey, // passed in code, so the SDK reads no other credential from the environment
      baseURL: this.config.anthropicBaseUrl,
      maxRetries: ANTHROPIC_MAX_RETRIES,
      timeout: DEFAULT_TIMEOUT_MS,
      // Our own log lines say what happened; the SDK's would be a second, unredacted voice.
      logLevel: 'off',
      // Its call spans nest under the analysis span; no trace context or race data goes to Anthropic.
      openTelemetry: { propagation: false, traces: { enabled: true, contentMode: 'metadata_only' } },
    });
    return this.sdk;
  }

  /** Maps whatever the SDK threw to a clear message with no key, no headers and no raw error. */
  private describe(error: unknown, retries: number, timeoutMs: number): AnthropicCallError {
    if (error instanceof AnthropicCallError) return error;
    const after = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
    // Order matters: the abort and connection errors are APIErrors without a status.
    if (error instanceof APIUserAbortError) {
      return new AnthropicCallError('cancelled', `request to the Anthropic API cancelled (cycle time up or server shutting down)${after}`);
    }
    if (error instanceof APIConnectionTimeoutError) {
      return new AnthropicCallError('timeout', `the Anthropic API gave no answer within ${seconds(timeoutMs)} s${after}`);
    }
    if (error instanceof APIConnectionError) {
      return new AnthropicCallError('connection', `cannot reach the Anthropic API at ${this.config.anthropicBaseUrl}${after}: ${this.clean(causeOf(error))}`);
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const status = error.status;
      const type = error.type ?? 'error';
      const said = error.apiMessage ? `: ${this.clean(error.apiMessage)}` : '';
      const what = `(${status} ${type})`;
      if (error instanceof AuthenticationError) {
        return new AnthropicCallError('auth', `Anthropic API refused the API key ${what}${said}; check ANTHROPIC_API_KEY`, status);
      }
      if (error instanceof PermissionDeniedError) {
        return new AnthropicCallError('permission', `Anthropic API denied this key access ${what}${said}`, status);
      }
      if (error instanceof NotFoundError) {
        return new AnthropicCallError('not_found', `Anthropic API answered not found ${what}${said}; check ANTHROPIC_MODEL (${this.config.anthropicModel}) and ANTHROPIC_BASE_URL`, status);
      }
      if (error instanceof BadRequestError) {
        return new AnthropicCallError('bad_request', `Anthropic API rejected the request ${what}${said}`, status);
      }
      if (error instanceof RateLimitError) {
        return new AnthropicCallError('rate_limited', `Anthropic API rate limit ${what}${after}${said}`, status);
      }
      if (error instanceof OverloadedError || status === 529) {
        return new AnthropicCallError('overloaded', `Anthropic API overloaded ${what}${after}${said}`, status);
      }
      if (status >= 500) {
        return new AnthropicCallError('server', `Anthropic API server error ${what}${after}${said}`, status);
      }
      return new AnthropicCallError('other', `Anthropic API answered ${status} ${type}${after}${said}`, status);
    }
    const message = error instanceof Error ? error.message : String(error);
    return new AnthropicCallError('other', `Anthropic API call failed: ${this.clean(message)}`);
  }

  /** One line, bounded, and the key blanked should anything (a proxy, say) echo it. */
  private clean(text: string): string {
    let line = String(text).replace(/\s+/g, ' ').trim();
    const key = this.config.anthropicApiKey;
    if (key) line = line.split(key).join('***');
    return line.length > API_MESSAGE_MAX ? `${line.slice(0, API_MESSAGE_MAX)}…` : line;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** The innermost reason a connection failed (e.g. "connect ECONNREFUSED 127.0.0.1:1"), never the error object. */
function causeOf(error: Error): string {
  let current: unknown = error;
  let reason = error.message;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    reason = typeof code === 'string' && !current.message.includes(code) ? `${current.message} (${code})` : current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return reason;
}
