import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SessionLeaseStore } from '../storage/session-lease-store.service';
import { TrackStore } from '../storage/track-store.service';
import { Tracker } from '../tracking/tracker.service';
import { planLeases } from './lease-plan';

/** A claim round runs this long after a dead replica's lease expiry (clocks of replicas differ a little). */
const LAPSE_MARGIN_MS = 50;

/** Figures for /health. */
export interface LeaseStats {
  replica_id: string;
  lease_ttl_s: number;
  leases_held: number;
  fair_share: number | null;
  replicas_alive: string[];
  rounds: number;
  round_errors: number;
  last_round_at: string | null;
  last_error: string | null;
  taken_over: number;
  handed_over: number;
  /** The database did not answer for most of a TTL: pollers stopped until it does. */
  paused: boolean;
}

/**
 * Decides which sessions this replica polls. Every round (a third of LEASE_TTL_S, at most 5 s) it
 * beats its heartbeat, renews its leases, lets go of any it lost, takes its fair share of the
 * sessions nobody holds (a dead replica's, once their leases ran out; new ones) and hands back
 * what is above its share (a replica joined). Taking a session is the ordinary resume path, so a
 * takeover re-fetches from the newest stored point and loses nothing. With SQLite there is one
 * replica and the rounds simply keep every session here.
 */
@Injectable()
export class LeaseKeeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LeaseKeeper.name);
  private readonly startedAt = Date.now();
  private readonly ttlMs: number;
  private readonly roundMs: number;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private closing = false;
  private lastRenewOkAt = Date.now();
  private readonly counters = { rounds: 0, round_errors: 0, taken_over: 0, handed_over: 0 };
  private lastRoundAt: number | null = null;
  private lastError: string | null = null;
  private fairShare: number | null = null;
  private alive: string[] = [];
  private paused = false;
  /** When another replica's unrenewed leases run out next (null: none). */
  private nextLapseAt: number | null = null;
  /** Sessions claimed whose pollers are still being started (see take()). */
  private readonly resuming = new Set<string>();
  private takes: Promise<void> = Promise.resolve();

  constructor(
    private readonly leases: SessionLeaseStore,
    private readonly store: TrackStore,
    private readonly tracker: Tracker,
    private readonly config: AppConfig,
  ) {
    this.ttlMs = config.leaseTtlS * 1000;
    this.roundMs = Math.max(100, Math.min(5000, this.ttlMs / 3));
  }

  get replicaId(): string {
    return this.config.replicaId;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.databaseUrl) {
      // SQLite is one process by design (one file, one volume): any lease in it is a previous life
      // of this one (REPLICA_ID's default changes with the pid), so it is ours at once, not after the TTL.
      await this.leases.clearAllLeases();
    }
    // The first round is awaited: at boot this replica resumes its share before serving.
    await this.runRound();
    await this.takes;
    this.schedule();
    // Apart from the rounds: a round that hangs (a starved pool) must not let pollers run on
    // leases that have run out, or two replicas would poll one session.
    this.watchdog = setInterval(() => void this.checkRenewals(), this.roundMs);
    this.watchdog.unref?.();
  }

  private async checkRenewals(): Promise<void> {
    if (this.closing || this.paused || Date.now() - this.lastRenewOkAt <= this.ttlMs * 0.8) return;
    this.paused = true;
    const ids = this.tracker.heldSessionIds();
    for (const id of ids) await this.tracker.handOver(id);
    this.logger.warn({ msg: `no lease renewal for most of LEASE_TTL_S: polling paused for ${ids.length} sessions until a round renews again` });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    await this.round;
    await this.takes;
    // Pollers first (their in-flight batches stored), then the leases go back at once.
    await this.tracker.shutdownPollers();
    try {
      await this.leases.releaseLeases(this.replicaId);
      await this.leases.removeReplica(this.replicaId);
    } catch (error) {
      this.logger.warn({ msg: `leases not handed back (they expire after ${this.config.leaseTtlS} s): ${(error as Error).message}` });
    }
    await this.leases.closeCoordinator();
  }

  /**
   * A session just created or restarted through this replica: polled here when this replica is
   * the least loaded alive (or alone); otherwise left for the least loaded one's next round.
   */
  async placeNew(sessionId: string): Promise<boolean> {
    const held = this.tracker.heldSessionIds().length;
    const others = (await this.leases.aliveReplicas(this.ttlMs)).filter((r) => r.id !== this.replicaId);
    const lighter = others.some((r) => r.sessions < held);
    if (lighter) {
      // Taken by another replica's next round (within a third of the TTL).
      this.logger.log({ msg: 'new session left to a less loaded replica', sessionId, held });
      return false;
    }
    return this.leases.claimSession(sessionId, this.replicaId, Date.now() + this.ttlMs);
  }

  /** Frees a session's lease whoever holds it (restarting a session: its old watch ends everywhere). */
  async clearLease(sessionId: string): Promise<void> {
    await this.leases.clearLease(sessionId);
  }

  stats(): LeaseStats {
    return {
      replica_id: this.replicaId,
      lease_ttl_s: this.config.leaseTtlS,
      leases_held: this.tracker.heldSessionIds().length,
      fair_share: this.fairShare,
      replicas_alive: this.alive,
      ...this.counters,
      last_round_at: this.lastRoundAt === null ? null : new Date(this.lastRoundAt).toISOString(),
      last_error: this.lastError,
      paused: this.paused,
    };
  }

  private schedule(): void {
    if (this.closing) return;
    // Wake early when another replica's unrenewed leases run out (it died): its sessions are
    // claimed then, not up to a round later, so a takeover stays within TTL + one poll interval.
    const lapseIn = this.nextLapseAt === null ? Infinity : this.nextLapseAt + LAPSE_MARGIN_MS - Date.now();
    const delay = Math.max(LAPSE_MARGIN_MS, Math.min(this.roundMs, lapseIn));
    this.timer = setTimeout(() => {
      void this.runRound().finally(() => this.schedule());
    }, delay);
    this.timer.unref?.();
  }

  private runRound(): Promise<void> {
    this.round = this.leaseRound().catch((error) => this.onRoundError(error as Error));
    return this.round;
  }

  private async leaseRound(): Promise<void> {
    const now = Date.now();
    const until = now + this.ttlMs;
    const here = this.tracker.heldSessionIds();
    await this.leases.heartbeat(this.replicaId, this.startedAt, here.length + this.resuming.size, now);
    const kept = new Set(await this.leases.renewLeases(this.replicaId, until));
    this.lastRenewOkAt = Date.now();
    this.paused = false;
    // Pollers whose lease is gone (taken over while we were slow, or the session ended elsewhere).
    for (const id of here.filter((id) => !kept.has(id))) {
      if (this.closing) return;
      await this.tracker.handOver(id);
      this.counters.handed_over++;
    }
    // Leases held without a poller here: at the first round, this replica's own from before a
    // restart under the same REPLICA_ID (a pod's container restarted) — resume them; later, a
    // resume that failed — hand them back.
    const polled = new Set(this.tracker.heldSessionIds());
    const orphans = [...kept].filter((id) => !polled.has(id) && !this.resuming.has(id));
    if (orphans.length && this.counters.rounds === 0) this.take(orphans);
    else if (orphans.length) await this.leases.releaseLeases(this.replicaId, orphans);

    const alive = await this.leases.aliveReplicas(this.ttlMs);
    this.alive = alive.map((r) => r.id);
    const held = this.tracker.heldSessionIds();
    const plan = planLeases({ me: this.replicaId, held: held.length + this.resuming.size, alive, leasable: await this.leases.countLeasable() });
    this.fairShare = plan.fairShare;

    if (plan.release > 0 && !this.closing) {
      // The most recently taken go back first: the oldest stay where their state is warm.
      const give = held.slice(-plan.release);
      for (const id of give) await this.tracker.handOver(id);
      await this.leases.releaseLeases(this.replicaId, give);
      this.counters.handed_over += give.length;
      this.logger.log({ msg: `handed ${give.length} sessions back for a fair share`, fair_share: plan.fairShare, held: held.length });
    }
    if (plan.claim > 0 && !this.closing) {
      const ids = await this.leases.claimSessions(this.replicaId, plan.claim, until);
      if (ids.length) this.take(ids);
    }
    // A lease renewed 1.5 rounds late or more is not being renewed: its holder stopped.
    this.nextLapseAt = await this.leases.nextLapse(this.replicaId, this.ttlMs, this.roundMs * 1.5);
    this.counters.rounds++;
    this.lastRoundAt = Date.now();
    this.lastError = null;
  }

  /**
   * Starts pollers for claimed sessions, apart from the round: a round must come back to renew
   * within the TTL however many sessions a takeover brings (a thousand resumes on a busy database
   * take seconds). Until started they count as held, and are neither released nor claimed twice.
   */
  private take(ids: string[]): void {
    for (const id of ids) this.resuming.add(id);
    const first = this.counters.rounds === 0;
    this.takes = this.takes.then(async () => {
      try {
        const sessions = await this.store.findSessions(ids);
        await this.tracker.resume(sessions);
        this.counters.taken_over += sessions.length;
        if (!first) this.logger.log({ msg: `took ${sessions.length} sessions`, sessions: ids.slice(0, 20) });
      } catch (error) {
        // Their leases stay held without pollers: the next round hands them back for others.
        this.logger.warn({ msg: `could not resume ${ids.length} claimed sessions: ${(error as Error).message}` });
      } finally {
        for (const id of ids) this.resuming.delete(id);
      }
    });
  }

  /**
   * The database did not answer. Pollers keep going (their writes fail and back off) until most of
   * a TTL has passed without a renewal: then the watchdog stops them (another replica may take the
   * sessions over); the next good round takes a share again and polls resume from the stored points.
   */
  private async onRoundError(error: Error): Promise<void> {
    this.counters.round_errors++;
    this.lastError = error.message;
    this.logger.warn({ msg: `lease round failed: ${error.message}` });
    await this.checkRenewals();
  }
}
