import { HttpService } from '@nestjs/axios';
import { scrubSecret } from '../common/scrub-secret';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import { InputError } from '../common/errors';
import { abortableSleep } from '../common/abortable-sleep';
import { AppConfig } from '../config/app-config';
import { SPANS } from '../telemetry/metrics';
import { inSpan } from '../telemetry/tracing';

export interface TelegramDelivery {
  delivered: true;
  chat_id: string;
  message_id: number;
}

/** Delivery counters for /health (since boot). */
export interface TelegramStats {
  sent: number;
  failed: number;
  retries: number;
  last_error: string | null;
  last_error_at: string | null;
}

/** The parts of a Bot API Message the commands read (https://core.telegram.org/bots/api#message). */
export interface TelegramMessage {
  message_id: number;
  from?: { id: number; is_bot?: boolean; first_name?: string; username?: string };
  chat: { id: number; type?: string };
  date: number;
  text?: string;
  entities?: Array<{ type: string; offset: number; length: number }>;
}

/** A Bot API Update; anything but `message` (edits, channel posts, …) is ignored by the commands. */
export interface TelegramUpdate {
  update_id: number;
  message?: TelegramMessage;
  edited_message?: TelegramMessage;
  [other: string]: unknown;
}

/**
 * Why getUpdates failed, so the poller can pick its backoff: `conflict` (409, another poller of
 * this token), `unauthorized` (401/404: the token is wrong), `rate_limited` (429, retryAfterMs),
 * `cancelled` (our own abort), `transient` (5xx, network, timeout, garbage).
 */
export type TelegramPollErrorKind = 'conflict' | 'unauthorized' | 'rate_limited' | 'cancelled' | 'transient';

export class TelegramPollError extends Error {
  constructor(
    message: string,
    readonly kind: TelegramPollErrorKind,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'TelegramPollError';
  }
}

/** Telegram refuses longer messages. */
export const TELEGRAM_MAX_TEXT = 4096;
/** A chat id Telegram accepts: numeric (groups and channels negative) or @channelname. */
export const TELEGRAM_CHAT_ID_PATTERN = /^(-?\d+|@[A-Za-z0-9_]{4,})$/;
const CHAT_ID = TELEGRAM_CHAT_ID_PATTERN;

/** Why one attempt failed, and whether another attempt may help. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * The one client for the Telegram Bot API (sendMessage, getUpdates). Used by threshold alerts, the
 * send_coaching_message tool and the bot commands. Off when TELEGRAM_BOT_TOKEN is unset. The token is part of every
 * request URL, so nothing from a request or an axios error is logged or returned unredacted.
 */
@Injectable()
export class TelegramClient implements BeforeApplicationShutdown {
  /** First attempt plus retries. */
  static readonly MAX_ATTEMPTS = 4;
  static readonly REQUEST_TIMEOUT_MS = 10_000;
  /** A 429 asking us to wait longer than this is given up on rather than holding the message. */
  static readonly MAX_RETRY_AFTER_S = 30;
  /** 5xx / network retries wait this, doubling (scaled by LIVETRACK_BACKOFF_SCALE). */
  static readonly RETRY_BASE_MS = 1_000;

  private readonly logger = new Logger(TelegramClient.name);
  private readonly closing = new AbortController();
  private readonly counters: TelegramStats = { sent: 0, failed: 0, retries: 0, last_error: null, last_error_at: null };

  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.telegramBotToken !== null;
  }

  stats(): TelegramStats {
    return { ...this.counters };
  }

  beforeApplicationShutdown(): void {
    // Cuts retry waits and in-flight requests short so shutdown is not held by Telegram.
    this.closing.abort();
  }

  /**
   * Sends `text` to `chatId` (default TELEGRAM_CHAT_ID). Retries 429 (honouring retry_after, bounded),
   * 5xx and network failures a few times. Throws InputError when Telegram is off, no chat id is
   * available or the text is unusable; Error when delivery failed.
   */
  send(text: string, chatId?: string): Promise<TelegramDelivery> {
    // One span for the whole delivery; each HTTP attempt is a child span (bot token redacted at export).
    return inSpan(SPANS.telegramSend, {}, () => this.sendNow(text, chatId));
  }

  private async sendNow(text: string, chatId?: string): Promise<TelegramDelivery> {
    const token = this.config.telegramBotToken;
    if (!token) throw new InputError('Telegram delivery is off: TELEGRAM_BOT_TOKEN is not set on the server');
    const chat = chatId?.trim() || this.config.telegramChatId;
    if (!chat) throw new InputError('no chat_id given and TELEGRAM_CHAT_ID is not set on the server', ['chat_id']);
    if (!CHAT_ID.test(chat)) throw new InputError(`chat_id must be a numeric chat id or @channelname (got "${chat}")`, ['chat_id']);
    if (typeof text !== 'string' || text.trim() === '') throw new InputError('text must be a non-empty message', ['text']);
    if (text.length > TELEGRAM_MAX_TEXT) throw new InputError(`text is ${text.length} characters; Telegram takes at most ${TELEGRAM_MAX_TEXT}`, ['text']);

    let lastError = 'not attempted';
    for (let attempt = 1; attempt <= TelegramClient.MAX_ATTEMPTS; attempt++) {
      try {
        const messageId = await this.attempt(token, chat, text);
        this.counters.sent++;
        return { delivered: true, chat_id: chat, message_id: messageId };
      } catch (error) {
        lastError = this.redact(error instanceof AttemptError ? error.message : String((error as Error)?.message ?? error));
        const retry = error instanceof AttemptError && error.retryable && attempt < TelegramClient.MAX_ATTEMPTS && !this.closing.signal.aborted;
        this.logger.warn({ msg: `telegram sendMessage failed: ${lastError}`, attempt, retry });
        if (!retry) break;
        this.counters.retries++;
        const wait = (error as AttemptError).retryAfterMs ?? TelegramClient.RETRY_BASE_MS * 2 ** (attempt - 1) * this.config.backoffScale;
        await this.sleep(wait);
      }
    }
    this.counters.failed++;
    this.counters.last_error = lastError;
    this.counters.last_error_at = new Date().toISOString();
    throw new Error(`Telegram did not deliver the message: ${lastError}`);
  }

  private async attempt(token: string, chatId: string, text: string): Promise<number> {
    let response: AxiosResponse;
    try {
      response = await firstValueFrom(
        this.http.post(
          `${this.config.telegramApiBase}/bot${token}/sendMessage`,
          { chat_id: chatId, text },
          { timeout: TelegramClient.REQUEST_TIMEOUT_MS, validateStatus: () => true, signal: this.closing.signal, proxy: false },
        ),
      );
    } catch (error) {
      // Only the code: an axios error carries the request URL, token included.
      const e = error as { code?: string };
      if (e.code === 'ERR_CANCELED') throw new AttemptError('cancelled by shutdown', null, false);
      const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT';
      throw new AttemptError(timedOut ? `no answer within ${TelegramClient.REQUEST_TIMEOUT_MS} ms` : `cannot reach the Bot API (${e.code ?? 'network error'})`, null, true);
    }
    const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as {
      ok?: boolean;
      result?: { message_id?: unknown };
      description?: string;
      parameters?: { retry_after?: unknown };
    };
    const messageId = body.result?.message_id;
    if (response.status >= 200 && response.status < 300 && body.ok === true && typeof messageId === 'number') return messageId;

    const detail = `HTTP ${response.status}${body.description ? `: ${body.description}` : ''}`;
    if (response.status === 429) {
      const after = Number(body.parameters?.retry_after ?? response.headers['retry-after'] ?? 1);
      const seconds = Number.isFinite(after) && after >= 0 ? after : 1;
      if (seconds > TelegramClient.MAX_RETRY_AFTER_S) {
        throw new AttemptError(`${detail} (asked to wait ${seconds} s, more than ${TelegramClient.MAX_RETRY_AFTER_S} s)`, null, false);
      }
      throw new AttemptError(detail, seconds * 1000, true);
    }
    // 5xx may pass; 400 (chat not found), 401 (bad token), 403 (bot blocked) will not.
    throw new AttemptError(response.status >= 200 && response.status < 300 ? `unexpected answer (${detail})` : detail, null, response.status >= 500);
  }

  /**
   * One long poll of getUpdates: waits up to `timeoutS` seconds for updates after `offset` (which
   * also confirms every earlier update to Telegram). One attempt, no retries: the caller's loop
   * owns backoff. Throws TelegramPollError with a redacted message.
   */
  async getUpdates(offset: number | null, timeoutS: number, signal: AbortSignal): Promise<TelegramUpdate[]> {
    const token = this.config.telegramBotToken;
    if (!token) throw new TelegramPollError('Telegram is off: TELEGRAM_BOT_TOKEN is not set', 'unauthorized');
    // No span: an idle long poll every 25 s would only add noise to the traces.
    let response: AxiosResponse;
    try {
      response = await firstValueFrom(
        this.http.post(
          `${this.config.telegramApiBase}/bot${token}/getUpdates`,
          { ...(offset === null ? {} : { offset }), timeout: timeoutS, allowed_updates: ['message'] },
          {
            // The server holds the request up to timeoutS: allow that plus a margin for the answer.
            timeout: timeoutS * 1000 + TelegramClient.REQUEST_TIMEOUT_MS,
            validateStatus: () => true,
            signal: AbortSignal.any([signal, this.closing.signal]),
            proxy: false,
          },
        ),
      );
    } catch (error) {
      // Only the code: an axios error carries the request URL, token included.
      const e = error as { code?: string };
      if (e.code === 'ERR_CANCELED') throw new TelegramPollError('getUpdates cancelled', 'cancelled');
      const timedOut = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT';
      throw new TelegramPollError(
        timedOut ? `getUpdates: no answer within ${timeoutS} s + ${TelegramClient.REQUEST_TIMEOUT_MS} ms` : `getUpdates: cannot reach the Bot API (${e.code ?? 'network error'})`,
        'transient',
      );
    }
    const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as {
      ok?: boolean;
      result?: unknown;
      description?: string;
      parameters?: { retry_after?: unknown };
    };
    if (response.status >= 200 && response.status < 300 && body.ok === true && Array.isArray(body.result)) {
      return (body.result as unknown[]).filter(
        (u): u is TelegramUpdate => typeof u === 'object' && u !== null && Number.isSafeInteger((u as TelegramUpdate).update_id),
      );
    }
    const detail = this.redact(`getUpdates: HTTP ${response.status}${body.description ? `: ${body.description}` : ''}`);
    if (response.status === 409) throw new TelegramPollError(detail, 'conflict');
    if (response.status === 401 || response.status === 404) throw new TelegramPollError(detail, 'unauthorized');
    if (response.status === 429) {
      const after = Number(body.parameters?.retry_after ?? response.headers['retry-after'] ?? 1);
      throw new TelegramPollError(detail, 'rate_limited', (Number.isFinite(after) && after >= 0 ? after : 1) * 1000);
    }
    throw new TelegramPollError(response.status >= 200 && response.status < 300 ? `getUpdates: unexpected answer (HTTP ${response.status})` : detail, 'transient');
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.closing.signal);
  }


  /** Removes the bot token from any text (URLs in messages, descriptions echoing the path). */
  redact(text: string): string {
    return redactBotToken(text, this.config.telegramBotToken);
  }
}

export function redactBotToken(text: string, token: string | null): string {
  return scrubSecret(text, token).replace(/\/bot[^/\s?#]+/gi, '/bot***');
}
