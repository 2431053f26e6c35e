import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { InputError } from '../common/errors';
import { redactSecrets } from '../tracking/share-url';
import { extractInvitationLink } from './invitation-link';
import { extractInvitedAthlete } from './invitation-name';
import { FAILED_KEYWORD, MessageMeta, OpenMailbox, SKIPPED_KEYWORD, STARTED_KEYWORD } from './mailbox';
import { AllowedSenders, dmarcFailed, isAllowedSender } from './senders';

/** Why a message did not start tracking (counted for /health). */
export const SKIP_REASONS = ['sender', 'spoofed', 'no_link', 'origin', 'too_large', 'malformed', 'start_failed'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Larger messages are skipped from their RFC822.SIZE, never downloaded (an invitation is ~20 kB). */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
/** How long one replica may hold a message while it decides (then another may retry it). */
export const CLAIM_TTL_MS = 120_000;

export interface ProcessorDeps {
  allowedOrigins: string[];
  allowedSenders: AllowedSenders;
  maxMessageBytes?: number;
  /** TrackingService.start with the athlete's race_config (athleteKey) or the defaults. */
  start(url: string, athleteKey: string | null): Promise<{ created: boolean; sessionId: string }>;
  /** The athlete key whose display_name is Garmin's athlete name, or null. */
  matchAthlete(name: string): Promise<string | null>;
  /** Database lease (shared by every replica): one decides a message at a time. */
  claim(name: string, ttlMs: number): Promise<boolean>;
  release(name: string): Promise<void>;
  log: Pick<Console, 'log' | 'warn' | 'error'>;
}

export interface InvitationCounters {
  started: number;
  /** The link's session was already tracked (pasted by hand, or another invitation for it). */
  already_tracked: number;
  skipped: number;
  skipped_by: Record<SkipReason, number>;
  last_started_at: string | null;
  last_skip: { reason: SkipReason; at: string } | null;
}

type Decision =
  | { skip: SkipReason; detail: string }
  | { url: string; athleteName: string | null; from: string };

/**
 * Decides each mailbox message once: an invitation from an allowed sender with a LiveTrack link
 * starts tracking, anything else is skipped with one log line and counted. Never throws for a
 * message's content; a mailbox or database failure propagates (the watcher reconnects and the
 * message is looked at again).
 *
 * Exactly once, across restarts and replicas: a message is first claimed by a database lease
 * (`invitation:<mailbox hash>:<uidvalidity>:<uid>`; replicas share the database), its flags are
 * read again under the lease, and it is marked ($LivetrackStarted + \Seen, or $LivetrackSkipped)
 * on the IMAP server BEFORE tracking starts. The mark is the durable record (restarts, other
 * replicas, a changed database); the lease only closes the window between reading the flags and
 * writing the mark. A crash between marking and starting loses that start (never starts twice).
 */
export class InvitationProcessor {
  readonly counters: InvitationCounters = {
    started: 0,
    already_tracked: 0,
    skipped: 0,
    skipped_by: Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>,
    last_started_at: null,
    last_skip: null,
  };

  constructor(private readonly deps: ProcessorDeps) {}

  /** Whether the message was decided before (by anyone). */
  static handled(flags: Set<string>, keywords: boolean): boolean {
    if (!keywords) return flags.has('\\Seen');
    return flags.has(STARTED_KEYWORD) || flags.has(SKIPPED_KEYWORD);
  }

  /** Handles one message; returns what happened to it (for logs and tests). */
  async process(mailbox: OpenMailbox, meta: MessageMeta): Promise<'started' | 'already_tracked' | SkipReason | 'handled' | 'busy' | 'retry'> {
    if (InvitationProcessor.handled(meta.flags, mailbox.keywords)) return 'handled';
    const lease = `invitation:${createHash('sha1').update(mailbox.path).digest('hex').slice(0, 12)}:${mailbox.uidValidity}:${meta.uid}`;
    if (!(await this.deps.claim(lease, CLAIM_TTL_MS))) return 'busy';
    try {
      const flags = await mailbox.flagsOf(meta.uid);
      if (flags === null || InvitationProcessor.handled(flags, mailbox.keywords)) return 'handled';
      const decision = await this.decide(mailbox, meta);
      const where = { uid: meta.uid, mailbox: mailbox.path };
      if ('skip' in decision) {
        await this.mark(mailbox, meta.uid, mailbox.keywords ? [SKIPPED_KEYWORD] : ['\\Seen']);
        this.skip(decision.skip, decision.detail, where);
        return decision.skip;
      }
      // Marked first: if this fails nothing starts, and the message is looked at again later.
      const marks = mailbox.keywords ? [STARTED_KEYWORD, '\\Seen'] : ['\\Seen'];
      if (!(await mailbox.addFlags(meta.uid, marks))) throw new Error(`the IMAP server refused to flag message ${meta.uid}`);
      const athleteKey = decision.athleteName ? await this.deps.matchAthlete(decision.athleteName) : null;
      let result: { created: boolean; sessionId: string };
      try {
        result = await this.deps.start(decision.url, athleteKey);
      } catch (error) {
        if (error instanceof InputError) {
          // The link itself is bad (expired, unknown to Garmin, a short link leading nowhere): final.
          if (mailbox.keywords) await mailbox.addFlags(meta.uid, [FAILED_KEYWORD]).catch(() => false);
          this.skip('start_failed', error.message, { ...where, from: decision.from });
          return 'start_failed';
        }
        // Not the message's fault (database down …): unmark so a later look retries it.
        await mailbox.removeFlags(meta.uid, marks).catch(() => false);
        throw error;
      }
      const line = { ...where, from: decision.from, sessionId: result.sessionId, url: redactSecrets(decision.url), athlete: athleteKey, garmin_name: decision.athleteName };
      if (result.created) {
        this.counters.started++;
        this.counters.last_started_at = new Date().toISOString();
        this.deps.log.log({ msg: 'invitation: tracking started', ...line });
        return 'started';
      }
      this.counters.already_tracked++;
      this.deps.log.log({ msg: 'invitation: session already tracked', ...line });
      return 'already_tracked';
    } finally {
      await this.deps.release(lease).catch(() => undefined);
    }
  }

  private async decide(mailbox: OpenMailbox, meta: MessageMeta): Promise<Decision> {
    const limit = this.deps.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    // Cheap checks on what the server already told us, before anything is downloaded.
    if (meta.size > limit) return { skip: 'too_large', detail: `${meta.size} bytes (limit ${limit})` };
    if (meta.from.length > 0 && !meta.from.every((a) => isAllowedSender(a, this.deps.allowedSenders))) {
      return { skip: 'sender', detail: `from ${meta.from.join(', ')}` };
    }
    const source = await mailbox.source(meta.uid, limit);
    if (source === null) return { skip: 'malformed', detail: 'the server returned no message body' };
    let parsed;
    try {
      parsed = await simpleParser(source, { skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: limit });
    } catch (error) {
      return { skip: 'malformed', detail: `unparseable MIME: ${(error as Error).message}` };
    }
    const from = (parsed.from?.value ?? []).map((a) => (a.address ?? '').toLowerCase()).filter(Boolean);
    if (from.length === 0) return { skip: 'malformed', detail: 'no From address' };
    if (from.length > 1 || !isAllowedSender(from[0], this.deps.allowedSenders)) return { skip: 'sender', detail: `from ${from.join(', ')}` };
    const auth = parsed.headerLines.filter((h) => h.key === 'authentication-results').map((h) => h.line);
    if (dmarcFailed(auth)) return { skip: 'spoofed', detail: `from ${from[0]}: the receiving server says DMARC failed` };
    const link = extractInvitationLink(parsed.html || null, parsed.text ?? null, this.deps.allowedOrigins);
    if (link.kind === 'none') return { skip: 'no_link', detail: `from ${from[0]}: no LiveTrack link in the message` };
    if (link.kind === 'origin') return { skip: 'origin', detail: `from ${from[0]}: link to ${link.origin}, not in LIVETRACK_ALLOWED_ORIGINS` };
    return { url: link.url, athleteName: extractInvitedAthlete(parsed.subject ?? null, parsed.text ?? null), from: from[0] };
  }

  private async mark(mailbox: OpenMailbox, uid: number, flags: string[]): Promise<void> {
    // Best effort: an unmarked skipped message is only looked at (and logged) again.
    await mailbox.addFlags(uid, flags).catch(() => false);
  }

  private skip(reason: SkipReason, detail: string, where: Record<string, unknown>): void {
    this.counters.skipped++;
    this.counters.skipped_by[reason]++;
    this.counters.last_skip = { reason, at: new Date().toISOString() };
    const line = { msg: `invitation skipped (${reason}): ${redactSecrets(detail)}`, reason, ...where };
    // Someone else's mail in the mailbox is worth a warning; a bad Garmin link less so.
    if (reason === 'sender' || reason === 'spoofed' || reason === 'origin') this.deps.log.warn(line);
    else this.deps.log.log(line);
  }
}
