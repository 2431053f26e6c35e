import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { abortableSleep } from '../common/abortable-sleep';
import { backoffDelayMs, FailureKind } from '../tracking/backoff';
import { scrubSecret } from '../common/scrub-secret';
import { ImapSettings } from './imap-url';
import { MessageMeta, OpenMailbox, SKIPPED_KEYWORD, STARTED_KEYWORD } from './mailbox';

export type ScanReason = 'connect' | 'new' | 'rescan';

export interface WatcherOptions {
  /** Called with the messages to look at, one call at a time per connection. */
  onMessages(mailbox: OpenMailbox, messages: MessageMeta[], why: ScanReason): Promise<void>;
  log: Pick<Console, 'log' | 'warn' | 'error'>;
  /** Multiplies every reconnect delay (LIVETRACK_BACKOFF_SCALE). */
  backoffScale?: number;
  /** A full look at the unhandled mail this often, besides IDLE (a missed event, an expired claim). */
  rescanMs?: number;
  /** IDLE is restarted this often (some providers drop a silent IDLE after ~10-30 min). */
  maxIdleMs?: number;
}

export interface WatcherStats {
  connected: boolean;
  connected_since: string | null;
  connects: number;
  errors: number;
  last_error: string | null;
  last_error_at: string | null;
}

/** Mail older than this is not looked at on connect: a LiveTrack link lives 24 h. */
export const LOOKBACK_MS = 24 * 3600_000;
/** A connection up this long counts as healthy: when it drops, reconnect at once. */
const HEALTHY_MS = 10_000;

/**
 * The one IMAP client (imapflow): logs in, selects the mailbox, IDLEs, and hands new and unhandled
 * messages to `onMessages`; reconnects with exponential backoff (src/tracking/backoff.ts) when the
 * server or the network drops it. Never throws out of its loop; the password never reaches a log.
 */
export class ImapWatcher {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private client: ImapFlow | null = null;
  private readonly state: WatcherStats = { connected: false, connected_since: null, connects: 0, errors: 0, last_error: null, last_error_at: null };

  constructor(
    private readonly settings: ImapSettings,
    private readonly opts: WatcherOptions,
  ) {}

  stats(): WatcherStats {
    return { ...this.state };
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    const client = this.client;
    if (client) await Promise.race([client.logout().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    client?.close();
    await this.loop;
  }

  private async run(): Promise<void> {
    const scale = this.opts.backoffScale ?? 1;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      let kind: FailureKind = 'network';
      let upForMs = 0;
      try {
        upForMs = await this.session();
      } catch (error) {
        if ((error as { authenticationFailed?: boolean }).authenticationFailed) kind = 'forbidden';
        this.recordError(error);
      }
      if (this.abort.signal.aborted) break;
      // A connection that was up a while and dropped (server restart, provider's idle timeout) is
      // retried at once; failing connects, and connections that drop right away, back off
      // (30 s growing to 10 min; authentication failures 1 to 5 min).
      if (upForMs >= HEALTHY_MS) failures = 0;
      const wait = upForMs >= HEALTHY_MS ? 500 * scale : backoffDelayMs(kind, ++failures) * scale;
      this.opts.log.warn({ msg: `IMAP connection to ${this.settings.redactedUrl} ${upForMs > 0 ? 'lost' : 'failed'}; reconnecting`, retry_in_ms: Math.round(wait), last_error: this.state.last_error });
      await abortableSleep(Math.max(10, wait), this.abort.signal);
    }
  }

  /** One connection, until it closes. Resolves how long the mailbox was open (throws when it never opened). */
  private async session(): Promise<number> {
    const s = this.settings;
    const client = new ImapFlow({
      host: s.host,
      port: s.port,
      secure: s.secure,
      servername: s.secure ? s.host : undefined,
      auth: { user: s.user, pass: s.password },
      // imapflow's own log would carry server responses; our lines say what matters.
      logger: false,
      clientInfo: { name: 'livetrack-mcp' },
      // IDLE soon after each command: a new message is noticed within about a second.
      autoIdleDelay: 500,
      maxIdleTime: this.opts.maxIdleMs ?? 240_000,
      connectionTimeout: 30_000,
    });
    this.client = client;
    const failure: { error: Error | null } = { error: null };
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    // Always listened to: an unhandled 'error' event would end the process.
    client.on('error', (error: Error) => (failure.error = error));
    let upAt = 0;
    try {
      await client.connect();
      const mailbox = await client.mailboxOpen(s.mailbox);
      const keywords = mailbox.permanentFlags?.has('\\*') ?? false;
      const open = new ImapOpenMailbox(client, mailbox.path, String(mailbox.uidValidity), keywords);
      let nextUid = Number(mailbox.uidNext ?? 1);
      upAt = Date.now();
      this.state.connected = true;
      this.state.connected_since = new Date().toISOString();
      this.state.connects++;
      this.opts.log.log({ msg: `watching ${s.redactedUrl} for LiveTrack invitations`, keywords, condstore: client.enabled.has('CONDSTORE') });
      if (!keywords) this.opts.log.warn({ msg: `mailbox ${mailbox.path} accepts no custom keywords: \\Seen marks a handled invitation (one a person has read first is not started)` });

      // One look at a time; a look asked for while one runs happens after it.
      let chain: Promise<void> = Promise.resolve();
      const look = (why: ScanReason) => {
        chain = chain.then(async () => {
          if (client.usable === false || this.abort.signal.aborted) return;
          const messages = why === 'new' ? await open.metaFrom(nextUid) : await open.metaUnhandledSince(new Date(Date.now() - LOOKBACK_MS));
          for (const m of messages) nextUid = Math.max(nextUid, m.uid + 1);
          if (messages.length) await this.opts.onMessages(open, messages, why);
        }).catch((error) => {
          this.recordError(error);
          this.opts.log.error({ msg: `looking at ${s.redactedUrl} failed: ${this.state.last_error}` });
        });
        return chain;
      };
      client.on('exists', () => void look('new'));
      const rescan = setInterval(() => void look('rescan'), this.opts.rescanMs ?? 300_000);
      try {
        await look('connect');
        await closed;
      } finally {
        clearInterval(rescan);
        await chain;
      }
      if (failure.error && !this.abort.signal.aborted) this.recordError(failure.error);
      return Math.max(1, Date.now() - upAt);
    } catch (error) {
      if (upAt) return Math.max(1, Date.now() - upAt);
      throw failure.error ?? error;
    } finally {
      this.state.connected = false;
      this.state.connected_since = null;
      this.client = null;
      client.close();
    }
  }

  /** Counts a failure (connection, or handling a message) as /health's last_error, password scrubbed. */
  recordError(error: unknown): void {
    const raw = error instanceof Error ? `${error.message}${(error as { response?: string }).response ? ` (${(error as { response?: string }).response})` : ''}` : String(error);
    this.state.errors++;
    this.state.last_error = scrubSecret(raw, this.settings.password).slice(0, 300);
    this.state.last_error_at = new Date().toISOString();
  }
}

/** The selected mailbox of one imapflow connection, as the processor sees it. */
class ImapOpenMailbox implements OpenMailbox {
  constructor(
    private readonly client: ImapFlow,
    readonly path: string,
    readonly uidValidity: string,
    readonly keywords: boolean,
  ) {}

  private static readonly QUERY = { uid: true, flags: true, size: true, envelope: true } as const;

  async metaFrom(uid: number): Promise<MessageMeta[]> {
    // `n:*` always includes the newest message, even when its UID is below n.
    const found = await this.client.fetchAll(`${Math.max(1, uid)}:*`, ImapOpenMailbox.QUERY, { uid: true });
    return found.filter((m) => m.uid >= uid).map(toMeta);
  }

  async metaUnhandledSince(since: Date): Promise<MessageMeta[]> {
    const unhandled = this.keywords ? { not: { or: [{ keyword: STARTED_KEYWORD }, { keyword: SKIPPED_KEYWORD }] } } : { seen: false };
    const uids = await this.client.search({ since, ...unhandled }, { uid: true });
    if (!uids || !Array.isArray(uids) || uids.length === 0) return [];
    return (await this.client.fetchAll(uids.join(','), ImapOpenMailbox.QUERY, { uid: true })).map(toMeta);
  }

  async flagsOf(uid: number): Promise<Set<string> | null> {
    const m = await this.client.fetchOne(String(uid), { uid: true, flags: true }, { uid: true });
    return m ? (m.flags ?? new Set()) : null;
  }

  async source(uid: number, maxBytes: number): Promise<Buffer | null> {
    const m = await this.client.fetchOne(String(uid), { uid: true, source: { maxLength: maxBytes } }, { uid: true });
    return m && m.source ? m.source : null;
  }

  addFlags(uid: number, flags: string[]): Promise<boolean> {
    return this.client.messageFlagsAdd(String(uid), flags, { uid: true });
  }

  removeFlags(uid: number, flags: string[]): Promise<boolean> {
    return this.client.messageFlagsRemove(String(uid), flags, { uid: true });
  }
}

function toMeta(m: FetchMessageObject): MessageMeta {
  return {
    uid: m.uid,
    flags: m.flags ?? new Set(),
    size: m.size ?? 0,
    from: (m.envelope?.from ?? []).map((a) => (a.address ?? '').toLowerCase()).filter(Boolean),
    subject: m.envelope?.subject ?? null,
  };
}
