import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PointsSource, RaceSessionEntity } from '../storage/race-session.entity';
import { TrackStore } from '../storage/track-store.service';
import { Leg, RaceType } from '../storage/trackpoint.types';
import { AppMetrics } from '../telemetry/app-metrics.service';
import { ATTRS, SPANS } from '../telemetry/metrics';
import { inSpan, markError, Span } from '../telemetry/tracing';
import { backoffDelayMs, FailureKind } from './backoff';
import { GarminClient, GarminConnection, GarminError } from './garmin.client';
import { createLegState, LegState } from './legs';
import { decideLifecycle, FinalReason, LifecycleDecision, shouldRevive } from './lifecycle';
import { MalformedResponseError, MappedPoints, mapGarminPoints, mapSessionMeta } from './point-mapper';
import { RaceConfig, resolveRaceConfig } from './race-config';
import { ParsedShareUrl } from './share-url';
import { TrackingEvents } from './tracking-events';

/** Metadata is re-read at least this often (its `end` is how Garmin says the race is over). */
const META_EVERY_POLLS = 10;
/** While watching, every Nth watch poll also reads metadata (Garmin's real end ends the watch). */
const WATCH_META_EVERY = 3;
/** ± share of the poll interval each wait varies by. */
const POLL_JITTER = 0.05;
/** Malformed answers in a row from the points endpoint before the share page is used instead. */
const PAGE_FALLBACK_AFTER = 3;
/** While on the page fallback, every Nth poll tries the JSON endpoint again. */
const API_PROBE_EVERY = 10;
/** A poll aligned to Garmin's batches comes this long after the batch is due. */
const ALIGN_SLACK_MS = 2_000;
/** Device clocks this far from ours (a replay, a wrong clock) are not used to align polls. */
const ALIGN_MAX_SKEW_MS = 120_000;

export type PollState = 'polling' | 'waiting' | 'backing_off' | 'resuming' | 'watching';
export type PollerMode = 'active' | 'watching';

export interface PollerDeps {
  store: TrackStore;
  garmin: GarminClient;
  events: TrackingEvents;
  config: AppConfig;
  metrics: AppMetrics;
  logger: Logger;
}

/** What a tick asks of the scheduler: go on, or stop for good. */
export type TickResult = { final: null } | { final: FinalReason; detail: string };

/**
 * One tracked session's poller: its Garmin protocol state, failure/backoff state, the lifecycle
 * (active → watching → revived) and one poll. The Tracker schedules ticks; this decides what a
 * tick does. Everything durable is written to the store as it changes.
 */
export class SessionPoller {
  readonly id: string;
  readonly conn: GarminConnection;
  readonly config: RaceConfig;
  mode: PollerMode;
  watchingUntil: number | null;
  legState: LegState;
  private readonly trackingStartedAt: number;
  lastPointAt: number | null;
  private firstPointAt: number | null;
  private lastNewPointAt: number | null;
  private garminStart: number | null;
  private garminEnd: number | null;
  private postFrequencyS: number | null;
  private sawEndEvent = false;
  private consecutiveFailures = 0;
  /** Kind of the newest failure while it lasts; 'gone' = Garmin answers 404 for the session. */
  private failing: FailureKind | 'gone' | null = null;
  backoffUntil = 0;
  /** When the current (or last) tick began: the next poll is due an interval after it. */
  private tickStartedAt: number | null = null;
  private pollsSinceMeta = 0;
  private needMeta = true;
  /** Metadata calls failed in a row; they never gate points, they only space out retries. */
  private metaFailures = 0;
  /** Did the newest metadata call answer? null before any. */
  private metaAnswers: boolean | null = null;
  private malformedStreak = 0;
  pointsSource: PointsSource;
  private pagePolls = 0;
  private watchPolls = 0;
  /** Garmin's athlete name already announced (athleteNamed) by this poller; set when the session has its athlete. */
  private athleteAnnounced: string | null;
  state: PollState;
  nextPollAt: number | null = null;
  inFlight: Promise<void> | null = null;
  readonly abort = new AbortController();
  stopped = false;

  constructor(
    session: RaceSessionEntity,
    share: ParsedShareUrl,
    lastLeg: Leg | null,
    firstPointAt: number | null,
    private readonly deps: PollerDeps,
    mode: PollerMode,
    state: PollState,
  ) {
    this.id = session.id;
    this.conn = new GarminConnection(share);
    this.config = resolveRaceConfig(session.raceConfig);
    this.mode = mode;
    this.watchingUntil = mode === 'watching' ? session.watchingUntil : null;
    this.legState = resumeLegState(this.config.race_type, lastLeg);
    this.trackingStartedAt = session.startedAt;
    this.lastPointAt = session.lastPointAt;
    this.firstPointAt = firstPointAt;
    this.lastNewPointAt = session.lastNewPointReceivedAt;
    this.garminStart = session.garminStart;
    this.garminEnd = session.garminEnd;
    this.postFrequencyS = session.postFrequencyS;
    this.pointsSource = session.pointsSource ?? 'api';
    // A matched session needs no announcement; an unmatched one is announced once per launch (a
    // profile added since the last launch then matches after a restart or takeover).
    this.athleteAnnounced = session.athleteKey ? (session.athlete ?? '') : null;
    this.state = mode === 'watching' ? 'watching' : state;
  }

  /** Polls unless backing off, then decides the lifecycle. Never throws. */
  async tick(): Promise<TickResult> {
    this.tickStartedAt = Date.now();
    try {
      if (Date.now() >= this.backoffUntil) {
        if (this.mode === 'active') this.state = 'polling';
        await this.poll();
      }
      if (this.stopped) return { final: null };
      const decision = this.decide();
      if (decision.action === 'final') return { final: decision.reason, detail: decision.detail };
      if (decision.action === 'watch') await this.startWatch(decision);
    } catch (error) {
      // Never let one tick end the session: log, keep going on the next one.
      this.deps.logger.error({ msg: `poll tick failed: ${(error as Error).message}`, sessionId: this.id });
    }
    return { final: null };
  }

  /** One more poll outside the schedule and the lifecycle rules, before a final stop. Never throws. */
  async lastPoll(): Promise<void> {
    try {
      await this.poll();
    } catch (error) {
      this.deps.logger.warn({ msg: `last poll before the stop failed: ${(error as Error).message}`, sessionId: this.id });
    }
  }

  private decide(): LifecycleDecision {
    return decideLifecycle({
      mode: this.mode,
      now: Date.now(),
      trackingStartedAt: this.trackingStartedAt,
      lastNewPointAt: this.lastNewPointAt,
      staleStopMin: this.config.stale_stop_min,
      minElapsedMin: this.config.min_elapsed_min,
      garminStart: this.garminStart,
      garminEnd: this.garminEnd,
      sawEndEvent: this.sawEndEvent,
      garminForgot: this.failing === 'gone',
      firstPointAt: this.firstPointAt,
    });
  }

  /** Provisional stop: the session shows as finished, keeps a cheap watch; analysis and alerts stop. */
  private async startWatch(decision: Extract<LifecycleDecision, { action: 'watch' }>): Promise<void> {
    this.mode = 'watching';
    this.state = 'watching';
    this.watchingUntil = decision.watchingUntil;
    this.watchPolls = 0;
    await this.deps.store.updateSession(this.id, {
      state: 'finished', stopReason: decision.reason, stopDetail: decision.detail, stoppedAt: Date.now(), watchingUntil: decision.watchingUntil,
    });
    this.deps.events.lifecycle.next({ sessionId: this.id, kind: 'stopped', reason: decision.reason });
    this.deps.logger.log({ msg: `tracking stopped provisionally: ${decision.detail}`, sessionId: this.id, reason: decision.reason });
  }

  /** New points during a watch: active again, nothing missed (the poll asked from the last stored point). */
  private async revive(): Promise<void> {
    this.mode = 'active';
    this.state = 'polling';
    this.watchingUntil = null;
    this.needMeta = true;
    await this.deps.store.incrementSession(this.id, { revivals: 1 }, { state: 'active', stopReason: null, stopDetail: null, stoppedAt: null, watchingUntil: null });
    this.deps.events.lifecycle.next({ sessionId: this.id, kind: 'revived' });
    this.deps.logger.log({ msg: 'new points after a provisional stop: tracking again', sessionId: this.id });
  }

  /**
   * Next wait. Active: the poll interval (never faster than Garmin posts batches), aligned to
   * last point + postTrackPointFrequency + ~2 s when the device clock is plausible; during backoff,
   * early enough to run the lifecycle rules. Watching: the watch interval, but wake for the expiry.
   */
  nextDelay(now = Date.now()): number {
    if (this.mode === 'watching') {
      this.state = 'watching';
      let delay = Math.max(this.deps.config.watchIntervalS * 1000, this.backoffUntil - now);
      if (this.watchingUntil !== null) delay = Math.min(delay, Math.max(50, this.watchingUntil - now));
      return Math.round(delay);
    }
    const freqMs = (this.postFrequencyS ?? 0) * 1000;
    const interval = Math.max(this.config.poll_interval_secs * 1000, freqMs);
    if (this.backoffUntil > now) {
      this.state = 'backing_off';
      return Math.max(50, Math.min(this.backoffUntil - now, interval));
    }
    this.state = 'waiting';
    if (freqMs > 0 && this.lastPointAt !== null && Math.abs(now - this.lastPointAt) <= 2 * freqMs + ALIGN_MAX_SKEW_MS) {
      const earliest = now + Math.max(1000, interval - freqMs);
      // The first batch slot (last point + k × frequency + slack) at or after `earliest`; a device
      // clock running ahead of ours never pushes the poll later than that.
      const phase = (((this.lastPointAt + freqMs + ALIGN_SLACK_MS - earliest) % freqMs) + freqMs) % freqMs;
      return earliest + phase - now;
    }
    // ±5 % jitter: sessions started together drift apart instead of polling in lock-step. Counted
    // from the start of the poll just made, so a slow answer (a busy database) does not stretch
    // the interval.
    const spent = this.tickStartedAt === null ? 0 : Math.max(0, now - this.tickStartedAt);
    return Math.max(0, Math.round(interval * (1 + POLL_JITTER * (2 * Math.random() - 1)) - spent));
  }

  /** One poll in its own trace span (Garmin calls are its children), timed and counted by outcome. */
  private async poll(): Promise<void> {
    const started = performance.now();
    let outcome = 'error';
    try {
      await inSpan(SPANS.poll, { [ATTRS.sessionId]: this.id }, async (span) => {
        outcome = await this.pollGarmin(span);
        span.setAttribute(ATTRS.outcome, outcome);
      }, { root: true });
    } finally {
      this.deps.metrics.pollFinished(outcome, performance.now() - started);
    }
  }

  private metaDue(): boolean {
    if (this.mode === 'watching') return this.watchPolls % WATCH_META_EVERY === 0;
    // After failures, metadata is retried less and less often (1, 2, 4 … polls, at most every 10th).
    if (this.metaFailures > 0) return this.pollsSinceMeta >= Math.min(META_EVERY_POLLS, 2 ** (this.metaFailures - 1));
    return this.needMeta || this.pollsSinceMeta >= META_EVERY_POLLS;
  }

  /** Metadata, when due: a failure here is logged and spaced out, never a reason to skip points. */
  /** Returns whether a metadata call was made. */
  private async readMeta(signal: AbortSignal, force = false): Promise<boolean> {
    if (!force && !this.metaDue()) return false;
    this.pollsSinceMeta = 0;
    try {
      const meta = mapSessionMeta(await this.deps.garmin.fetchSessionMeta(this.conn, signal));
      this.garminStart = meta.start;
      this.garminEnd = meta.end;
      this.postFrequencyS = meta.postTrackPointFrequencyS;
      this.needMeta = false;
      this.metaFailures = 0;
      this.metaAnswers = true;
      await this.deps.store.updateSession(this.id, {
        sessionName: meta.sessionName, athlete: meta.athlete, garminStart: meta.start, garminEnd: meta.end, postFrequencyS: meta.postTrackPointFrequencyS,
      });
      if (meta.athlete && this.athleteAnnounced === null) {
        this.athleteAnnounced = meta.athlete;
        this.deps.events.athleteNamed.next({ sessionId: this.id, athlete: meta.athlete });
      }
    } catch (error) {
      if (!(error instanceof GarminError || error instanceof MalformedResponseError)) throw error;
      this.metaFailures++;
      this.metaAnswers = false;
      if (this.metaFailures === 1 || this.metaFailures % 10 === 0) {
        this.deps.logger.warn({ msg: `session metadata failed (points are still fetched): ${error.message}`, sessionId: this.id, consecutive: this.metaFailures });
      }
    }
    return true;
  }

  /** Returns the outcome: 'ok', 'no_points' (404 before any point), or the failure kind (already recorded and backed off). */
  private async pollGarmin(span: Span): Promise<string> {
    const signal = this.abort.signal;
    if (this.mode === 'watching') this.watchPolls++;
    const metaThisPoll = await this.readMeta(signal);
    this.pollsSinceMeta++;
    let mapped: MappedPoints;
    try {
      mapped = await this.fetchPoints(signal);
    } catch (error) {
      const notFound = error instanceof GarminError && error.kind === 'gone';
      // Points 404 after points came: does the session itself still answer? Ask now, not from memory.
      if (notFound && this.lastPointAt !== null && !metaThisPoll) await this.readMeta(signal, true);
      if (notFound && (this.lastPointAt === null || this.metaAnswers === true)) {
        // "No points yet", not "gone": the session is fine, keep the normal cadence.
        await this.deps.store.incrementSession(this.id, { polls: 1 }, { lastPollAt: Date.now() });
        this.clearFailure();
        span.setAttribute(ATTRS.pointsReceived, 0);
        return 'no_points';
      }
      await this.recordFailure(error);
      markError(span, error);
      return error instanceof GarminError ? error.kind : 'malformed';
    }
    const previousLast = this.lastPointAt;
    const now = Date.now();
    const inserted = await this.deps.store.insertPointsIgnoringDuplicates(this.id, mapped.points, { lastPollAt: now }, { polls: 1, rejectedPoints: mapped.rejected });
    this.legState = mapped.legState;
    this.clearFailure();
    if (inserted > 0) {
      if (shouldRevive(this.mode, inserted)) await this.revive();
      this.lastNewPointAt = now;
      const newest = mapped.points[mapped.points.length - 1].time;
      this.lastPointAt = previousLast === null ? newest : Math.max(previousLast, newest);
      this.firstPointAt ??= mapped.points[0].time;
      if (mapped.endEvent) this.sawEndEvent = true;
      const fresh = mapped.points.filter((p) => previousLast === null || p.time > previousLast);
      if (fresh.length) this.deps.events.pointsIngested.next({ sessionId: this.id, points: fresh });
    } else {
      if (mapped.endEvent && this.mode === 'active') this.sawEndEvent = true;
      // Nothing new: a good moment to re-read metadata, which is how Garmin reports the end.
      this.needMeta = true;
    }
    this.deps.logger.debug({ msg: 'poll ok', sessionId: this.id, mode: this.mode, received: mapped.points.length, inserted, rejected: mapped.rejected });
    span.setAttributes({ [ATTRS.pointsReceived]: mapped.points.length, [ATTRS.pointsInserted]: inserted, [ATTRS.pointsRejected]: mapped.rejected });
    this.deps.metrics.pointsIngested(inserted);
    return 'ok';
  }

  private clearFailure(): void {
    this.consecutiveFailures = 0;
    this.failing = null;
    this.backoffUntil = 0;
  }

  /**
   * Points from the JSON endpoint; after PAGE_FALLBACK_AFTER malformed answers in a row, from the
   * share page's embedded data instead, probing the endpoint again every API_PROBE_EVERY polls.
   * A Garmin front-end change then degrades tracking instead of ending it.
   */
  private async fetchPoints(signal: AbortSignal): Promise<MappedPoints> {
    const map = (body: unknown) => mapGarminPoints(body, this.config.race_type, this.legState);
    const fromPage = async () => map(await this.deps.garmin.fetchTrackPointsFromPage(this.conn, this.lastPointAt, signal));
    if (this.pointsSource === 'page' && ++this.pagePolls % API_PROBE_EVERY !== 0) return fromPage();
    try {
      const mapped = map(await this.deps.garmin.fetchTrackPoints(this.conn, this.lastPointAt, signal));
      if (this.pointsSource === 'page') {
        this.deps.logger.log({ msg: 'points endpoint answers again: leaving the share-page fallback', sessionId: this.id });
        await this.setPointsSource('api');
      }
      this.malformedStreak = 0;
      return mapped;
    } catch (error) {
      const malformed = error instanceof MalformedResponseError || (error instanceof GarminError && error.kind === 'malformed');
      if (!malformed) throw error;
      if (this.pointsSource === 'page' || ++this.malformedStreak >= PAGE_FALLBACK_AFTER) {
        try {
          const mapped = await fromPage();
          if (this.pointsSource !== 'page') {
            this.deps.logger.warn({ msg: `points endpoint keeps answering malformed (${(error as Error).message}): reading the share page instead`, sessionId: this.id });
            await this.setPointsSource('page');
          }
          return mapped;
        } catch {
          // The page has nothing usable either: report the endpoint's error.
        }
      }
      throw error;
    }
  }

  private async setPointsSource(source: PointsSource): Promise<void> {
    this.pointsSource = source;
    await this.deps.store.updateSession(this.id, { pointsSource: source });
  }

  private async recordFailure(error: unknown): Promise<void> {
    let kind: FailureKind;
    let retryAfter: number | undefined;
    if (error instanceof GarminError) {
      kind = error.kind === 'gone' ? 'server' : error.kind;
      retryAfter = error.retryAfterMs;
    } else if (error instanceof MalformedResponseError) {
      kind = 'malformed';
    } else {
      throw error;
    }
    this.consecutiveFailures++;
    this.failing = error instanceof GarminError ? error.kind : kind;
    const scale = this.deps.config.backoffScale;
    const delay = Math.max(backoffDelayMs(kind, this.consecutiveFailures) * scale, (retryAfter ?? 0) * scale);
    this.backoffUntil = Date.now() + delay;
    const message = (error as Error).message;
    await this.deps.store.incrementSession(this.id, { polls: 1, pollErrors: 1 }, { lastError: message, lastErrorAt: Date.now(), lastPollAt: Date.now() });
    this.deps.logger.warn({ msg: `poll failed: ${message}`, sessionId: this.id, kind, consecutive: this.consecutiveFailures, backoff_ms: Math.round(delay) });
  }
}

/** Rebuilds leg detection state after a restart from the leg of the newest stored point. */
function resumeLegState(raceType: RaceType, lastLeg: Leg | null): LegState {
  const fresh = createLegState(raceType);
  if (!lastLeg) return fresh;
  const sport = lastLeg === 'swim' || lastLeg === 't1' ? 'swim' : lastLeg === 'bike' || lastLeg === 't2' ? 'bike' : lastLeg === 'run' ? 'run' : null;
  return { ...fresh, leg: lastLeg, sport, inferredTransition: false };
}
