import { Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { RaceSessionEntity, StopReason } from '../storage/race-session.entity';
import { TrackStore } from '../storage/track-store.service';
import { AppMetrics } from '../telemetry/app-metrics.service';
import { ATTRS, SPANS } from '../telemetry/metrics';
import { inSpan, markError, Span } from '../telemetry/tracing';
import { Leg, RaceType } from '../storage/trackpoint.types';
import { backoffDelayMs, FailureKind } from './backoff';
import { GarminClient, GarminConnection, GarminError } from './garmin.client';
import { createLegState, LegState } from './legs';
import { MalformedResponseError, MappedPoints, mapGarminPoints, mapSessionMeta } from './point-mapper';
import { RaceConfig, resolveRaceConfig } from './race-config';
import { decideRaceEnd } from './race-end';
import { parseShareUrl } from './share-url';
import { TrackingEvents } from './tracking-events';

/** Metadata is re-read at least this often (its `end` is how Garmin says the race is over). */
const META_EVERY_POLLS = 10;
/** Resumed sessions start spread over at most this long, so a restart does not burst Garmin. */
const RESUME_SPREAD_MS = 10_000;
/** ± share of the poll interval each wait varies by. */
const POLL_JITTER = 0.05;
/** Malformed answers in a row from the points endpoint before the share page is used instead. */
const PAGE_FALLBACK_AFTER = 3;
/** While on the page fallback, every Nth poll tries the JSON endpoint again. */
const API_PROBE_EVERY = 10;
/** How long shutdown and manual stop wait for an in-flight poll before aborting it. */
const IN_FLIGHT_GRACE_MS = 5_000;

export type PollState = 'polling' | 'waiting' | 'backing_off' | 'resuming';

/** Runtime state of one tracked session (lost on restart; everything durable is in the store). */
interface Poller {
  id: string;
  conn: GarminConnection;
  config: RaceConfig;
  legState: LegState;
  trackingStartedAt: number;
  lastPointAt: number | null;
  lastNewPointAt: number | null;
  garminStart: number | null;
  garminEnd: number | null;
  postFrequencyS: number | null;
  sawEndEvent: boolean;
  consecutiveFailures: number;
  /** Kind of the newest failure while it lasts; 'gone' = Garmin answers 404 for the session. */
  failing: FailureKind | 'gone' | null;
  backoffUntil: number;
  pollsSinceMeta: number;
  needMeta: boolean;
  /** Malformed answers in a row from the points endpoint. */
  malformedStreak: number;
  /** Reading points from the share page because the JSON endpoint keeps answering malformed. */
  usePage: boolean;
  pagePolls: number;
  state: PollState;
  nextPollAt: number | null;
  inFlight: Promise<void> | null;
  abort: AbortController;
  stopped: boolean;
}

function timerName(sessionId: string): string {
  return `livetrack-poll:${sessionId}`;
}

/**
 * Polls every active session on its own named timeout in SchedulerRegistry. Each tick re-arms the
 * next only when it has finished, so polls of one session never overlap. Race-end rules are
 * evaluated on every tick, including ticks where backoff skips the Garmin call.
 */
@Injectable()
export class Tracker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Tracker.name);
  private readonly pollers = new Map<string, Poller>();
  private shuttingDown = false;
  /** Since boot: ticks run, and the worst delay between a tick's due time and its start. */
  private ticks = 0;
  private maxLagMs = 0;
  /** Ticks that started a whole interval late: a poll slot was missed. */
  private missedPolls = 0;

  constructor(
    private readonly store: TrackStore,
    private readonly garmin: GarminClient,
    private readonly scheduler: SchedulerRegistry,
    private readonly events: TrackingEvents,
    private readonly config: AppConfig,
    private readonly metrics: AppMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.observeActiveSessions(() => this.pollers.size);
    const active = await this.store.findActiveSessions();
    const spacing = active.length ? Math.min(250, RESUME_SPREAD_MS / active.length) : 0;
    for (const [index, session] of active.entries()) {
      try {
        const last = await this.store.findLastPoint(session.id);
        this.launch(session, last?.leg ?? null, 'resuming', Math.round(index * spacing));
        this.events.lifecycle.next({ sessionId: session.id, kind: 'resumed' });
        this.logger.log({ msg: 'resuming session', sessionId: session.id, points: session.points, delay_ms: Math.round(index * spacing) });
      } catch (error) {
        // A session whose stored URL no longer passes the allow-list stays active but unpolled.
        this.logger.error({ msg: `cannot resume session: ${(error as Error).message}`, sessionId: session.id });
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    const pollers = [...this.pollers.values()];
    for (const poller of pollers) this.clearTimer(poller);
    await Promise.all(pollers.map((p) => this.settle(p)));
    this.pollers.clear();
  }

  isTracking(sessionId: string): boolean {
    return this.pollers.has(sessionId);
  }

  activeSessionIds(): string[] {
    return [...this.pollers.keys()];
  }

  /** What the poller of an active session is doing, and the leg of its newest point (null before any). */
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

  pollerStats(): { active_sessions: number; polling_now: number; backing_off: number; ticks: number; max_lag_ms: number; missed_polls: number } {
    let pollingNow = 0;
    let backingOff = 0;
    const now = Date.now();
    for (const p of this.pollers.values()) {
      if (p.inFlight) pollingNow++;
      if (p.backoffUntil > now) backingOff++;
    }
    return { active_sessions: this.pollers.size, polling_now: pollingNow, backing_off: backingOff, ticks: this.ticks, max_lag_ms: this.maxLagMs, missed_polls: this.missedPolls };
  }

  /** Starts polling a session already stored as active. */
  begin(session: RaceSessionEntity, lastLeg: Leg | null): void {
    this.launch(session, lastLeg, 'polling', 0);
  }

  /** Stops polling (waiting briefly for an in-flight poll so its batch is stored) and records why. */
  async stop(sessionId: string, reason: StopReason, detail: string): Promise<void> {
    const poller = this.pollers.get(sessionId);
    if (poller) {
      poller.stopped = true;
      this.clearTimer(poller);
      if (poller.inFlight && reason !== 'manual') {
        // Called from inside the tick (race end): the poll is already complete.
      } else {
        await this.settle(poller);
      }
      this.pollers.delete(sessionId);
    }
    const now = Date.now();
    await this.store.updateSession(sessionId, { state: reason === 'manual' ? 'stopped' : 'finished', stopReason: reason, stopDetail: detail, stoppedAt: now });
    this.events.lifecycle.next({ sessionId, kind: 'stopped', reason });
    this.logger.log({ msg: `tracking stopped: ${detail}`, sessionId, reason });
  }

  private launch(session: RaceSessionEntity, lastLeg: Leg | null, state: PollState, delayMs: number): void {
    if (this.pollers.has(session.id) || this.shuttingDown) return;
    const parsed = parseShareUrl(session.shareUrl, this.config.allowedOrigins);
    if ('shortLink' in parsed) throw new Error('stored share URL is not a session URL');
    const config = resolveRaceConfig(session.raceConfig);
    const poller: Poller = {
      id: session.id,
      conn: new GarminConnection(parsed),
      config,
      legState: resumeLegState(config.race_type, lastLeg),
      trackingStartedAt: session.startedAt,
      lastPointAt: session.lastPointAt,
      lastNewPointAt: session.lastNewPointReceivedAt,
      garminStart: session.garminStart,
      garminEnd: session.garminEnd,
      postFrequencyS: session.postFrequencyS,
      sawEndEvent: false,
      consecutiveFailures: 0,
      failing: null,
      backoffUntil: 0,
      pollsSinceMeta: 0,
      needMeta: true,
      malformedStreak: 0,
      usePage: false,
      pagePolls: 0,
      state,
      nextPollAt: null,
      inFlight: null,
      abort: new AbortController(),
      stopped: false,
    };
    this.pollers.set(session.id, poller);
    this.arm(poller, delayMs);
  }

  private arm(poller: Poller, delayMs: number): void {
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

  private clearTimer(poller: Poller): void {
    const name = timerName(poller.id);
    if (this.scheduler.doesExist('timeout', name)) this.scheduler.deleteTimeout(name);
    poller.nextPollAt = null;
  }

  /** Waits for an in-flight poll, aborting it if it outlasts the grace period. */
  private async settle(poller: Poller): Promise<void> {
    if (!poller.inFlight) return;
    const timer = setTimeout(() => poller.abort.abort(), IN_FLIGHT_GRACE_MS);
    try {
      await poller.inFlight;
    } finally {
      clearTimeout(timer);
    }
  }

  private async tick(poller: Poller): Promise<void> {
    try {
      if (Date.now() >= poller.backoffUntil) {
        poller.state = 'polling';
        await this.poll(poller);
      }
      if (poller.stopped) return;
      const decision = decideRaceEnd({
        now: Date.now(),
        trackingStartedAt: poller.trackingStartedAt,
        lastNewPointAt: poller.lastNewPointAt,
        staleStopMin: poller.config.stale_stop_min,
        minElapsedMin: poller.config.min_elapsed_min,
        garminStart: poller.garminStart,
        garminEnd: poller.garminEnd,
        sawEndEvent: poller.sawEndEvent,
      });
      if (decision.stop) {
        // Silence because Garmin forgot the session (404) is worth naming as such.
        const gone = decision.reason === 'stale' && poller.failing === 'gone';
        await this.stop(poller.id, gone ? 'gone' : decision.reason, gone ? `Garmin answers 404 for the session; ${decision.detail}` : decision.detail);
        return;
      }
    } catch (error) {
      // Never let one tick end the session: log, keep going on the next one.
      this.logger.error({ msg: `poll tick failed: ${(error as Error).message}`, sessionId: poller.id });
    }
    if (!poller.stopped) this.arm(poller, this.nextDelay(poller));
  }

  /** Poll interval, never faster than Garmin posts batches; during backoff wake early enough to run race-end rules. */
  private nextDelay(poller: Poller): number {
    const interval = Math.max(poller.config.poll_interval_secs, poller.postFrequencyS ?? 0) * 1000;
    const now = Date.now();
    if (poller.backoffUntil > now) {
      poller.state = 'backing_off';
      return Math.max(50, Math.min(poller.backoffUntil - now, interval));
    }
    poller.state = 'waiting';
    // ±5 % jitter: sessions started together drift apart instead of polling (and allocating) in
    // lock-step, which is also kinder to Garmin.
    return Math.round(interval * (1 + POLL_JITTER * (2 * Math.random() - 1)));
  }

  /** One poll in its own trace span (Garmin calls are its children), timed and counted by outcome. */
  private async poll(poller: Poller): Promise<void> {
    const started = performance.now();
    let outcome = 'error';
    try {
      await inSpan(SPANS.poll, { [ATTRS.sessionId]: poller.id }, async (span) => {
        outcome = await this.pollGarmin(poller, span);
        span.setAttribute(ATTRS.outcome, outcome);
      }, { root: true });
    } finally {
      this.metrics.pollFinished(outcome, performance.now() - started);
    }
  }

  /** Returns the outcome: 'ok', or the failure kind (already recorded and backed off). */
  private async pollGarmin(poller: Poller, span: Span): Promise<string> {
    const signal = poller.abort.signal;
    try {
      if (poller.needMeta || poller.pollsSinceMeta >= META_EVERY_POLLS) {
        const meta = mapSessionMeta(await this.garmin.fetchSessionMeta(poller.conn, signal));
        poller.garminStart = meta.start;
        poller.garminEnd = meta.end;
        poller.postFrequencyS = meta.postTrackPointFrequencyS;
        poller.needMeta = false;
        poller.pollsSinceMeta = 0;
        await this.store.updateSession(poller.id, {
          sessionName: meta.sessionName,
          athlete: meta.athlete,
          garminStart: meta.start,
          garminEnd: meta.end,
          postFrequencyS: meta.postTrackPointFrequencyS,
        });
      }
      poller.pollsSinceMeta++;
      const mapped = await this.fetchPoints(poller, signal);
      const previousLast = poller.lastPointAt;
      const now = Date.now();
      const inserted = await this.store.insertPointsIgnoringDuplicates(
        poller.id,
        mapped.points,
        { lastPollAt: now },
        { polls: 1, rejectedPoints: mapped.rejected },
      );
      poller.legState = mapped.legState;
      poller.consecutiveFailures = 0;
      poller.failing = null;
      poller.backoffUntil = 0;
      if (mapped.endEvent) poller.sawEndEvent = true;
      if (inserted > 0) {
        poller.lastNewPointAt = now;
        const newest = mapped.points[mapped.points.length - 1].time;
        poller.lastPointAt = previousLast === null ? newest : Math.max(previousLast, newest);
        const fresh = mapped.points.filter((p) => previousLast === null || p.time > previousLast);
        if (fresh.length) this.events.pointsIngested.next({ sessionId: poller.id, points: fresh });
      } else {
        // Nothing new: a good moment to re-read metadata, which is how Garmin reports the end.
        poller.needMeta = true;
      }
      this.logger.debug({ msg: 'poll ok', sessionId: poller.id, received: mapped.points.length, inserted, rejected: mapped.rejected });
      span.setAttributes({ [ATTRS.pointsReceived]: mapped.points.length, [ATTRS.pointsInserted]: inserted, [ATTRS.pointsRejected]: mapped.rejected });
      this.metrics.pointsIngested(inserted);
      return 'ok';
    } catch (error) {
      await this.recordFailure(poller, error);
      markError(span, error);
      return error instanceof GarminError ? error.kind : 'malformed';
    }
  }

  /**
   * Points from the JSON endpoint; after PAGE_FALLBACK_AFTER malformed answers in a row, from the
   * share page's embedded data instead, probing the endpoint again every API_PROBE_EVERY polls.
   * A Garmin front-end change then degrades tracking instead of ending it.
   */
  private async fetchPoints(poller: Poller, signal: AbortSignal): Promise<MappedPoints> {
    const fromPage = async () =>
      mapGarminPoints(await this.garmin.fetchTrackPointsFromPage(poller.conn, poller.lastPointAt, signal), poller.config.race_type, poller.legState);
    if (poller.usePage && ++poller.pagePolls % API_PROBE_EVERY !== 0) return fromPage();
    try {
      const mapped = mapGarminPoints(await this.garmin.fetchTrackPoints(poller.conn, poller.lastPointAt, signal), poller.config.race_type, poller.legState);
      if (poller.usePage) this.logger.log({ msg: 'points endpoint answers again: leaving the share-page fallback', sessionId: poller.id });
      poller.usePage = false;
      poller.malformedStreak = 0;
      return mapped;
    } catch (error) {
      const malformed = error instanceof MalformedResponseError || (error instanceof GarminError && error.kind === 'malformed');
      if (!malformed) throw error;
      if (poller.usePage || ++poller.malformedStreak >= PAGE_FALLBACK_AFTER) {
        try {
          const mapped = await fromPage();
          if (!poller.usePage) {
            this.logger.warn({ msg: `points endpoint keeps answering malformed (${(error as Error).message}): reading the share page instead`, sessionId: poller.id });
          }
          poller.usePage = true;
          return mapped;
        } catch {
          // The page has nothing usable either: report the endpoint's error.
        }
      }
      throw error;
    }
  }

  private async recordFailure(poller: Poller, error: unknown): Promise<void> {
    let kind: FailureKind;
    let retryAfter: number | undefined;
    if (error instanceof GarminError) {
      kind = error.kind === 'gone' ? 'server' : error.kind;
      retryAfter = error.retryAfterMs;
      // A forbidden answer means our cookies are useless: start the next attempt with a fresh handshake.
      if (error.kind === 'forbidden') poller.conn.csrf = null;
    } else if (error instanceof MalformedResponseError) {
      kind = 'malformed';
    } else {
      throw error;
    }
    poller.consecutiveFailures++;
    poller.failing = error instanceof GarminError ? error.kind : kind;
    const delay = Math.max(backoffDelayMs(kind, poller.consecutiveFailures) * this.config.backoffScale, (retryAfter ?? 0) * this.config.backoffScale);
    poller.backoffUntil = Date.now() + delay;
    const message = (error as Error).message;
    await this.store.incrementSession(poller.id, { polls: 1, pollErrors: 1 }, { lastError: message, lastErrorAt: Date.now(), lastPollAt: Date.now() });
    this.logger.warn({ msg: `poll failed: ${message}`, sessionId: poller.id, kind, consecutive: poller.consecutiveFailures, backoff_ms: Math.round(delay) });
  }
}

/** Rebuilds leg detection state after a restart from the leg of the newest stored point. */
function resumeLegState(raceType: RaceType, lastLeg: Leg | null): LegState {
  const fresh = createLegState(raceType);
  if (!lastLeg) return fresh;
  const sport = lastLeg === 'swim' || lastLeg === 't1' ? 'swim' : lastLeg === 'bike' || lastLeg === 't2' ? 'bike' : lastLeg === 'run' ? 'run' : null;
  return { ...fresh, leg: lastLeg, sport, inferredTransition: false };
}
