import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { abortableSleep } from '../common/abortable-sleep';
import { AppConfig } from '../config/app-config';
import { StateStore } from '../storage/state-store.service';
import { TrackStore } from '../storage/track-store.service';
import { TrackingService } from '../tracking/tracking.service';
import {
  chooseRace, Command, helpReply, muteReply, parseCommand, parseMute, statusReply, thresholdsReply, unknownReply, unmuteReply,
} from './commands';
import { TELEGRAM_MAX_TEXT, TelegramClient, TelegramPollError, TelegramUpdate } from './telegram.client';

/** Why an update was not obeyed (counted for /health). */
export type IgnoredReason = 'stranger' | 'not_command' | 'not_message';

/** Bot command counters for /health (since boot). */
export interface TelegramCommandStats {
  enabled: true;
  replica_id: string;
  /** This replica holds the getUpdates lease and polls; false while another replica does (or before boot). */
  polling: boolean;
  /** Who held the lease when this replica last found it taken (null while this one holds it). */
  lease_holder: string | null;
  allowed_chats: number;
  /** Next update_id asked for (persisted). */
  offset: number | null;
  answered: number;
  ignored: number;
  ignored_by: Record<IgnoredReason, number>;
  errors: number;
  last_error: string | null;
  last_error_at: string | null;
}

/**
 * Telegram two-way (TELEGRAM_COMMANDS=on): a getUpdates long-poll loop that answers /status,
 * /mute, /unmute, /thresholds and /help from TELEGRAM_ALLOWED_CHAT_IDS and ignores (counts)
 * everything else.
 *
 * Exactly one poller per bot token: Telegram answers a second concurrent getUpdates with 409, and
 * two pollers would answer every command twice. The guard is a lease in the database
 * (`telegram-updates:<botId>`, held by REPLICA_ID, renewed every iteration, released on shutdown),
 * so it holds across restarts and, on a shared database, across replicas: the others wait and take
 * over when the holder stops renewing. The offset (`telegram:offset:<botId>`) is stored before each
 * update is answered: a crash may drop one answer but never answers a command twice.
 */
@Injectable()
export class TelegramCommandsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** Seconds Telegram may hold one getUpdates. */
  static readonly POLL_TIMEOUT_S = 25;
  /** Well above one long poll, so a healthy holder never loses it between renewals. */
  static readonly LEASE_TTL_MS = 60_000;
  /** How often a replica without the lease looks again (scaled, at least LEASE_RETRY_MIN_MS). */
  static readonly LEASE_RETRY_MS = 5_000;
  static readonly LEASE_RETRY_MIN_MS = 250;
  /** getUpdates failures back off from this, doubling to BACKOFF_MAX_MS (all scaled by LIVETRACK_BACKOFF_SCALE). */
  static readonly BACKOFF_BASE_MS = 1_000;
  static readonly BACKOFF_MAX_MS = 60_000;
  /** 409: some other process polls this token (outside our lease: another deployment); give it room. */
  static readonly CONFLICT_BACKOFF_MS = 30_000;
  /** 401/404: the token is wrong; retrying soon cannot help. */
  static readonly UNAUTHORIZED_BACKOFF_MS = 300_000;
  /** Shutdown waits at most this for the loop (a reply being sent) before releasing the lease anyway. */
  static readonly SHUTDOWN_WAIT_MS = 2_000;

  private readonly logger = new Logger(TelegramCommandsService.name);
  private readonly abort = new AbortController();
  private readonly allowed: Set<string>;
  private loop: Promise<void> | null = null;
  private polling = false;
  private leaseHolder: string | null = null;
  private offset: number | null = null;
  private readonly counters = {
    answered: 0,
    ignored: 0,
    ignored_by: { stranger: 0, not_command: 0, not_message: 0 } as Record<IgnoredReason, number>,
    errors: 0,
    last_error: null as string | null,
    last_error_at: null as string | null,
  };

  constructor(
    private readonly config: AppConfig,
    private readonly telegram: TelegramClient,
    private readonly state: StateStore,
    private readonly store: TrackStore,
    private readonly tracking: TrackingService,
  ) {
    this.allowed = new Set(config.telegramAllowedChatIds);
  }

  get enabled(): boolean {
    return this.config.telegramCommands && this.config.telegramBotToken !== null;
  }

  /** The bot's numeric id (the token before ':'): not secret, unlike the rest of the token. */
  private get botId(): string {
    return (this.config.telegramBotToken ?? '').split(':')[0];
  }

  private get leaseName(): string {
    return `telegram-updates:${this.botId}`;
  }

  private get offsetKey(): string {
    return `telegram:offset:${this.botId}`;
  }

  stats(): TelegramCommandStats | { enabled: false; message: string } {
    if (!this.enabled) return { enabled: false, message: 'TELEGRAM_COMMANDS is off: the bot does not read commands' };
    return {
      enabled: true,
      replica_id: this.config.replicaId,
      polling: this.polling,
      lease_holder: this.polling ? null : this.leaseHolder,
      allowed_chats: this.allowed.size,
      offset: this.offset,
      ...this.counters,
      ignored_by: { ...this.counters.ignored_by },
    };
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    if (this.allowed.size === 0) this.logger.warn({ msg: 'TELEGRAM_COMMANDS is on but no chat is allowed (TELEGRAM_ALLOWED_CHAT_IDS / TELEGRAM_CHAT_ID): every command is ignored' });
    // Not awaited: the loop runs for the life of the app.
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Once: a second app.close() must not touch a database already closed.
    if (!this.loop || this.abort.signal.aborted) return;
    this.abort.abort();
    // Bounded: a reply stuck on Telegram must not hold app.close().
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise<void>((r) => (timer = setTimeout(r, TelegramCommandsService.SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
    // Gives the lease back at once so another replica (or the next boot) polls without waiting out the TTL.
    await this.state.releaseLease(this.leaseName, this.config.replicaId).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let failures = 0;
    let held = false;
    while (!signal.aborted) {
      try {
        held = await this.holdLease(held);
        if (signal.aborted) break;
        if (!held) {
          const s = this.config.backoffScale;
          await this.sleep(Math.max(TelegramCommandsService.LEASE_RETRY_MIN_MS, TelegramCommandsService.LEASE_RETRY_MS * s));
          continue;
        }
        const updates = await this.telegram.getUpdates(this.offset, TelegramCommandsService.POLL_TIMEOUT_S, signal);
        failures = 0;
        if (!updates.length || signal.aborted) continue;
        // The long poll may have outlasted our lease (a stalled database): answer only while it is
        // still ours. Nothing is confirmed to Telegram yet, so the new holder gets these updates.
        held = await this.holdLease(held);
        if (!held) continue;
        for (const update of [...updates].sort((a, b) => a.update_id - b.update_id)) {
          if (signal.aborted) break;
          if (this.offset !== null && update.update_id < this.offset) continue; // handled before: never twice
          const next = update.update_id + 1;
          // Stored before answering (at most once). A failed write throws: the update is not
          // answered, the offset stays, and the next poll gets it again.
          await this.state.writeValue(this.offsetKey, String(next));
          this.offset = next;
          await this.handle(update);
        }
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        const wait = this.backoffMs(error, failures);
        this.recordError(error instanceof Error ? error.message : String(error));
        this.logger.warn({ msg: `telegram commands: ${this.counters.last_error}`, retry_in_ms: Math.round(wait) });
        await this.sleep(wait);
      }
    }
    this.polling = false;
    if (held) await this.state.releaseLease(this.leaseName, this.config.replicaId).catch(() => undefined);
  }

  /** Takes or renews the lease; on taking it, reads the offset the previous holder stored. */
  private async holdLease(wasHeld: boolean): Promise<boolean> {
    const held = await this.state.tryAcquireLease(this.leaseName, this.config.replicaId, TelegramCommandsService.LEASE_TTL_MS);
    if (held && !wasHeld) {
      const stored = await this.state.readValue(this.offsetKey);
      const parsed = stored === null ? NaN : Number(stored);
      this.offset = Number.isSafeInteger(parsed) ? parsed : null;
      this.leaseHolder = null;
      this.logger.log({ msg: 'polling Telegram for bot commands', replica: this.config.replicaId, offset: this.offset });
    } else if (!held && (wasHeld || this.leaseHolder === null)) {
      this.leaseHolder = await this.state.leaseHolder(this.leaseName).catch(() => null);
      this.logger.log({ msg: 'another replica polls Telegram for bot commands; waiting', holder: this.leaseHolder });
    }
    this.polling = held;
    return held;
  }

  private backoffMs(error: unknown, failures: number): number {
    const scale = this.config.backoffScale;
    const T = TelegramCommandsService;
    let ms = Math.min(T.BACKOFF_MAX_MS, T.BACKOFF_BASE_MS * 2 ** (failures - 1)) * scale;
    if (error instanceof TelegramPollError) {
      // Telegram's own retry_after is honoured as given.
      if (error.kind === 'rate_limited' && error.retryAfterMs !== null) ms = error.retryAfterMs;
      if (error.kind === 'conflict') ms = T.CONFLICT_BACKOFF_MS * scale;
      if (error.kind === 'unauthorized') ms = T.UNAUTHORIZED_BACKOFF_MS * scale;
    }
    return Math.max(10, ms);
  }

  private recordError(message: string): void {
    this.counters.errors++;
    this.counters.last_error = this.telegram.redact(message);
    this.counters.last_error_at = new Date().toISOString();
  }

  private ignore(reason: IgnoredReason, details: Record<string, unknown>): void {
    this.counters.ignored++;
    this.counters.ignored_by[reason]++;
    const log = { msg: `telegram update ignored (${reason})`, ...details };
    if (reason === 'stranger') this.logger.warn(log);
    else this.logger.debug(log);
  }

  /** Obeys one update when it is a command from an allowed chat; answers in that chat. */
  private async handle(update: TelegramUpdate): Promise<void> {
    const message = update.message;
    if (!message) return this.ignore('not_message', { update_id: update.update_id, kinds: Object.keys(update).filter((k) => k !== 'update_id') });
    const chatId = String(message.chat?.id ?? '');
    if (!this.allowed.has(chatId)) return this.ignore('stranger', { update_id: update.update_id, chat_id: chatId, from_id: message.from?.id ?? null });
    const command = typeof message.text === 'string' ? parseCommand(message.text) : null;
    if (!command) return this.ignore('not_command', { update_id: update.update_id, chat_id: chatId });

    let reply: string;
    try {
      reply = await this.answer(command, Date.now());
    } catch (error) {
      this.recordError(`/${command.name}: ${(error as Error).message}`);
      reply = `Sorry, /${command.name} failed: ${(error as Error).message}`;
    }
    if (reply.length > TELEGRAM_MAX_TEXT) reply = `${reply.slice(0, TELEGRAM_MAX_TEXT - 1)}…`;
    try {
      await this.telegram.send(reply, chatId);
      this.counters.answered++;
      this.logger.log({ msg: `telegram command answered: /${command.name === 'unknown' ? command.command.slice(1) : command.name}`, chat_id: chatId, update_id: update.update_id });
    } catch (error) {
      this.recordError(`reply to /${command.name}: ${(error as Error).message}`);
      this.logger.warn({ msg: `telegram command not answered: ${this.counters.last_error}`, chat_id: chatId, update_id: update.update_id });
    }
  }

  private async answer(command: Command, now: number): Promise<string> {
    if (command.name === 'help') return helpReply();
    if (command.name === 'unknown') return unknownReply(command.command);

    let raceArg = command.arg;
    let minutes = 0;
    if (command.name === 'mute') {
      const parsed = parseMute(command.arg);
      if ('error' in parsed) return parsed.error;
      ({ minutes, race: raceArg } = parsed);
    }
    const active = (await this.tracking.list()).filter((s) => s.active);
    const choice = chooseRace(active, raceArg, command.name === 'mute' ? `/mute ${minutes}` : `/${command.name}`);
    if ('reply' in choice) return choice.reply;
    const race = choice.race;
    const id = race.session_id;

    switch (command.name) {
      case 'status': {
        const [status, last, session] = await Promise.all([this.tracking.status(id), this.store.findLastPoint(id), this.store.findSession(id)]);
        return statusReply({ ...status, last, mutedUntil: session?.alertsMutedUntil ?? null, now });
      }
      case 'thresholds':
        return thresholdsReply(race, race.thresholds, race.race_config);
      case 'mute': {
        const until = now + minutes * 60_000;
        await this.store.updateSession(id, { alertsMutedUntil: until });
        this.logger.log({ msg: `alerts muted for ${minutes} min`, sessionId: id, until: new Date(until).toISOString() });
        return muteReply(race, minutes, until);
      }
      case 'unmute': {
        const session = await this.store.findSession(id);
        const wasMuted = (session?.alertsMutedUntil ?? 0) > now;
        await this.store.updateSession(id, { alertsMutedUntil: null });
        this.logger.log({ msg: 'alerts unmuted', sessionId: id });
        return unmuteReply(race, wasMuted);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.abort.signal);
  }

}
