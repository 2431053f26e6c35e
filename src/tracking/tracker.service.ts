import { Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { RaceSessionEntity, StopReason } from '../storage/race-session.entity';
import { ResumeMark, TrackStore } from '../storage/track-store.service';
import { AppMetrics } from '../telemetry/app-metrics.service';
import { Leg } from '../storage/trackpoint.types';
import { GarminClient } from './garmin.client';
import { PollerDeps, PollerMode, PollState, SessionPoller } from './session-poller';
import { parseShareUrl } from './share-url';
import { resolveRaceConfig } from './race-config';
import { TrackingEvents } from './tracking-events';

export type { PollState } from './session-poller';

/** Resumed sessions start spread over at most this long, so a restart does not burst Garmin. */
const RESUME_SPREAD_MS = 10_000;
/** A session with nothing stored yet. */
const NO_POINTS: ResumeMark = { firstTime: null, lastLeg: null };
/** How long shutdown and manual stop wait for an in-flight poll before aborting it. */
const IN_FLIGHT_GRACE_MS = 5_000;

function timerName(sessionId: string): string {
  return `livetrack-poll:${sessionId}`;
}

/**
 * Schedules every session poller (active ones, and the cheap watch after a provisional stop) on
 * its own named timeout in SchedulerRegistry. Each tick re-arms the next only when it has
 * finished, so polls of one session never overlap. What a tick does is the poller's business.
 */
@Injectable()
export class Tracker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Tracker.name);
  private readonly pollers = new Map<string, SessionPoller>();
  private readonly deps: PollerDeps;
  private shuttingDown = false;
  /** Since boot: ticks run, and the worst delay between a tick's due time and its start. */
  private ticks = 0;
  private maxLagMs = 0;
  /** Ticks that started a whole interval late: a poll slot was missed. */
  private missedPolls = 0;

  constructor(
    private readonly store: TrackStore,
    garmin: GarminClient,
    private readonly scheduler: SchedulerRegistry,
    private readonly events: TrackingEvents,
    private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
  ) {
    this.deps = { store, garmin, events, config, metrics, logger: this.logger };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.observeActiveSessions(() => this.activeSessionIds().length);
    const now = Date.now();
    for (const session of await this.store.findWatchingSessions()) {
      // The link's 24 h ran out while we were down.
      if (session.watchingUntil !== null && session.watchingUntil <= now) {
        await this.store.updateSession(session.id, { stopReason: 'expired', stopDetail: "the LiveTrack link's 24 h life ended", watchingUntil: null });
      }
    }
    // Which sessions this replica resumes is the lease keeper's call (src/cluster).
  }

  /**
   * Starts polling sessions this replica just took (at boot, or over from another replica): active
   * ones resume (`resumed`, so analysis schedules), provisional stops resume their watch. Starts are
   * spread out so a restart or a takeover does not burst Garmin.
   */
  async resume(sessions: RaceSessionEntity[]): Promise<void> {
    const now = Date.now();
    const list = sessions.filter((s) => s.state === 'active' || (s.watchingUntil !== null && s.watchingUntil > now));
    // Spread over half a poll interval at most: resumed sessions (a takeover) are already overdue.
    const interval = Math.min(RESUME_SPREAD_MS, ...list.map((x) => resolveRaceConfig(x.raceConfig).poll_interval_secs * 1000)) / 2;
    const spacing = list.length ? Math.min(250, interval / list.length) : 0;
    // One read of every session's stored marks, then due times fixed now: hundreds of resumes on a
    // busy database (a takeover) still poll on schedule.
    const marks = await this.store.findResumeMarks(list.map((x) => x.id));
    for (const [index, session] of list.entries()) {
      const mode: PollerMode = session.state === 'active' ? 'active' : 'watching';
      try {
        const delay = this.startPoller(session, mode, 'resuming', now + Math.round(index * spacing), marks.get(session.id) ?? NO_POINTS);
        if (delay === null) continue;
        if (mode === 'active') this.events.lifecycle.next({ sessionId: session.id, kind: 'resumed' });
        this.logger.log({ msg: mode === 'active' ? 'resuming session' : 'resuming the watch of a provisionally stopped session', sessionId: session.id, points: session.points, delay_ms: delay });
      } catch (error) {
        // A session whose stored URL no longer passes the allow-list stays as it is, unpolled.
        this.logger.error({ msg: `cannot resume session: ${(error as Error).message}`, sessionId: session.id });
      }
    }
  }

  /**
   * Stops polling a session here without writing anything: another replica takes it over (or the
   * lease was lost). Its stored state is untouched; `released` tells analysis and alerts to let go.
   */
  async handOver(sessionId: string): Promise<void> {
    const poller = this.pollers.get(sessionId);
    if (!poller) return;
    const wasActive = poller.mode === 'active';
    await this.release(sessionId);
    if (wasActive) this.events.lifecycle.next({ sessionId, kind: 'released' });
    this.logger.log({ msg: 'session handed over: another replica polls it from now on', sessionId });
  }

  /** Every session with a poller here (active and watching). */
  heldSessionIds(): string[] {
    return [...this.pollers.keys()];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdownPollers();
  }

  /** Stops every poller, waiting briefly for polls in flight (idempotent: the lease keeper calls it before handing leases back). */
  async shutdownPollers(): Promise<void> {
    this.shuttingDown = true;
    const pollers = [...this.pollers.values()];
    for (const poller of pollers) this.clearTimer(poller);
    await Promise.all(pollers.map((p) => this.settle(p)));
    this.pollers.clear();
  }

  /** Actively polled (not a watch after a provisional stop). */
  isTracking(sessionId: string): boolean {
    return this.pollers.get(sessionId)?.mode === 'active';
  }

  isWatching(sessionId: string): boolean {
    return this.pollers.get(sessionId)?.mode === 'watching';
  }

  activeSessionIds(): string[] {
    return [...this.pollers.values()].filter((p) => p.mode === 'active').map((p) => p.id);
  }

  /** What the poller of a session is doing, and the leg of its newest point (null before any). */
  runtime(sessionId: string): { pollState: PollState; nextPollAt: number | null; backoffUntil: number | null; leg: Leg | null } | null {
    const p = this.pollers.get(sessionId);
    if (!p) return null;
    return {
      pollState: p.state,
      nextPollAt: p.nextPollAt,
      backoffUntil: p.backoffUntil > Date.now() ? p.backoffUntil : null,
      leg: p.lastPointAt === null ? null : p.legState.leg,
    };
  }

  pollerStats(): { active_sessions: number; watching_sessions: number; polling_now: number; backing_off: number; ticks: number; max_lag_ms: number; missed_polls: number } {
    let active = 0;
    let pollingNow = 0;
    let backingOff = 0;
    const now = Date.now();
    for (const p of this.pollers.values()) {
      if (p.mode === 'active') active++;
      if (p.inFlight) pollingNow++;
      if (p.backoffUntil > now) backingOff++;
    }
    return {
      active_sessions: active, watching_sessions: this.pollers.size - active, polling_now: pollingNow, backing_off: backingOff,
      ticks: this.ticks, max_lag_ms: this.maxLagMs, missed_polls: this.missedPolls,
    };
  }

  /** Starts polling a session already stored as active. */
  async begin(session: RaceSessionEntity): Promise<void> {
    const marks = await this.store.findResumeMarks([session.id]);
    this.startPoller(session, 'active', 'polling', Date.now(), marks.get(session.id) ?? NO_POINTS);
  }

  /** Ends a watch without writing anything (the caller is about to track the session again). */
  async release(sessionId: string): Promise<void> {
    const poller = this.pollers.get(sessionId);
    if (!poller) return;
    poller.stopped = true;
    this.clearTimer(poller);
    await this.settle(poller);
    this.pollers.delete(sessionId);
  }

  /**
   * Stops for good (waiting briefly for an in-flight poll so its batch is stored) and records why.
   * `lastPoll`: poll once more first (a session continued by a new one: its newest batch is kept).
   */
  async stop(sessionId: string, reason: StopReason, detail: string, opts: { lastPoll?: boolean } = {}): Promise<void> {
    const poller = this.pollers.get(sessionId);
    const wasActive = poller ? poller.mode === 'active' : (await this.store.findSession(sessionId))?.state === 'active';
    if (poller) {
      poller.stopped = true;
      this.clearTimer(poller);
      // Called from inside the tick (race end), the poll is already complete.
      if (!(poller.inFlight && reason !== 'manual')) await this.settle(poller);
      if (opts.lastPoll) await poller.lastPoll();
      this.pollers.delete(sessionId);
    }
    await this.store.updateSession(sessionId, {
      state: reason === 'manual' ? 'stopped' : 'finished', stopReason: reason, stopDetail: detail, stoppedAt: Date.now(), watchingUntil: null,
    });
    // A watch ending is no news to analysis or alerts: they stopped with the provisional stop.
    if (wasActive || reason === 'manual') this.events.lifecycle.next({ sessionId, kind: 'stopped', reason });
    this.logger.log({ msg: `tracking stopped: ${detail}`, sessionId, reason });
  }

  /** Starts a poller whose first poll is due at `dueAt` (epoch ms); answers its delay, or null when one runs already. */
  private startPoller(session: RaceSessionEntity, mode: PollerMode, state: PollState, dueAt: number, mark: ResumeMark): number | null {
    if (this.pollers.has(session.id) || this.shuttingDown) return null;
    const parsed = parseShareUrl(session.shareUrl, this.config.allowedOrigins);
    if ('shortLink' in parsed) throw new Error('stored share URL is not a session URL');
    const poller = new SessionPoller(session, parsed, mark.lastLeg, mark.firstTime, this.deps, mode, state);
    this.pollers.set(session.id, poller);
    const delay = Math.max(0, dueAt - Date.now());
    this.arm(poller, delay);
    return delay;
  }

  private arm(poller: SessionPoller, delayMs: number): void {
    this.clearTimer(poller);
    if (poller.stopped || this.shuttingDown) return;
    const due = Date.now() + delayMs;
    poller.nextPollAt = due;
    const handle = setTimeout(() => {
      const lag = Date.now() - due;
      this.ticks++;
      this.maxLagMs = Math.max(this.maxLagMs, lag);
      if (lag >= Math.max(delayMs, 1000)) this.missedPolls++;
      poller.inFlight = this.tick(poller).finally(() => {
        poller.inFlight = null;
      });
    }, delayMs);
    this.scheduler.addTimeout(timerName(poller.id), handle);
  }

  private async tick(poller: SessionPoller): Promise<void> {
    const result = await poller.tick();
    if (poller.stopped) return;
    if (result.final) {
      try {
        await this.stop(poller.id, result.final, result.detail);
        return;
      } catch (error) {
        this.logger.error({ msg: `cannot record the stop: ${(error as Error).message}`, sessionId: poller.id });
        poller.stopped = false;
        this.pollers.set(poller.id, poller);
      }
    }
    this.arm(poller, poller.nextDelay());
  }

  private clearTimer(poller: SessionPoller): void {
    const name = timerName(poller.id);
    if (this.scheduler.doesExist('timeout', name)) this.scheduler.deleteTimeout(name);
    poller.nextPollAt = null;
  }

  /** Waits for an in-flight poll, aborting it if it outlasts the grace period. */
  private async settle(poller: SessionPoller): Promise<void> {
    if (!poller.inFlight) return;
    const timer = setTimeout(() => poller.abort.abort(), IN_FLIGHT_GRACE_MS);
    try {
      await poller.inFlight;
    } finally {
      clearTimeout(timer);
    }
  }
}
