import { randomBytes } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AthletesService } from '../athletes/athletes.service';
import { AppConfig } from '../config/app-config';
import { StateStore } from '../storage/state-store.service';
import { TrackingService } from '../tracking/tracking.service';
import { ImapWatcher, WatcherStats } from './imap-watcher';
import { InvitationCounters, InvitationProcessor } from './invitation-processor';
import { describeAllowedSenders } from './senders';

export type InvitationStats =
  | ({ enabled: true; mailbox: string; allowed_senders: string[] } & WatcherStats & InvitationCounters)
  | { enabled: false; message: string };

/**
 * Invitations by e-mail (IMAP_URL set): watches the mailbox and starts tracking each Garmin
 * LiveTrack invitation once, with its athlete's race_config (see InvitationProcessor for the
 * rules, ImapWatcher for the connection). Every replica may watch; the lease and the IMAP mark
 * keep a start single.
 */
@Injectable()
export class InvitationsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(InvitationsService.name);
  private readonly watcher: ImapWatcher | null = null;
  private readonly processor: InvitationProcessor | null = null;
  /** Unique per process, so two processes given one REPLICA_ID still exclude each other. */
  private readonly holder: string;

  constructor(
    private readonly config: AppConfig,
    private readonly tracking: TrackingService,
    private readonly athletes: AthletesService,
    private readonly state: StateStore,
  ) {
    this.holder = `${config.replicaId}#${randomBytes(4).toString('hex')}`;
    const imap = config.imap;
    if (!imap) return;
    const log = {
      log: (m: unknown) => this.logger.log(m),
      warn: (m: unknown) => this.logger.warn(m),
      error: (m: unknown) => this.logger.error(m),
    };
    this.processor = new InvitationProcessor({
      allowedOrigins: config.allowedOrigins,
      allowedSenders: config.imapAllowedSenders,
      start: async (url, athleteKey) => {
        const { created, status } = await this.tracking.start(url, {}, athleteKey ? { athleteKey } : {});
        return { created, sessionId: status.session_id };
      },
      matchAthlete: async (name) => (await this.athletes.matchGarminName(name))?.key ?? null,
      claim: (name, ttlMs) => this.state.tryAcquireLease(name, this.holder, ttlMs),
      release: (name) => this.state.releaseLease(name, this.holder),
      log,
    });
    this.watcher = new ImapWatcher(imap, {
      log,
      backoffScale: config.backoffScale,
      onMessages: async (mailbox, messages) => {
        for (const meta of messages) {
          try {
            await this.processor!.process(mailbox, meta);
          } catch (error) {
            // The mailbox or the database failed, not the message: it is looked at again later.
            this.watcher!.recordError(error);
            this.logger.error({ msg: `invitation ${meta.uid} not handled yet: ${(error as Error).message}`, uid: meta.uid });
            if (!mailboxStillUsable(error)) throw error;
          }
        }
      },
    });
  }

  get enabled(): boolean {
    return this.watcher !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.watcher) return;
    this.logger.log({ msg: `invitations by e-mail: watching ${this.config.imap!.redactedUrl}`, allowed_senders: describeAllowedSenders(this.config.imapAllowedSenders) });
    this.watcher.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.watcher?.stop();
  }

  stats(): InvitationStats {
    if (!this.watcher || !this.processor || !this.config.imap) {
      return { enabled: false, message: 'IMAP_URL is not set: invitations by e-mail are off' };
    }
    const c = this.processor.counters;
    return {
      enabled: true,
      mailbox: this.config.imap.redactedUrl,
      allowed_senders: describeAllowedSenders(this.config.imapAllowedSenders),
      ...this.watcher.stats(),
      ...c,
      skipped_by: { ...c.skipped_by },
    };
  }
}

/** A failed IMAP command usually means the connection is gone; stop this look then. */
function mailboxStillUsable(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return !/NoConnection|ECONNRESET|EPIPE|ETIMEDOUT|ClosedAfterConnect/i.test(code);
}
