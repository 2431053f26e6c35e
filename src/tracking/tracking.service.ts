import { Injectable, Logger } from '@nestjs/common';
import { InputError, NotFoundError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AthletesService } from '../athletes/athletes.service';
import type { Athlete } from '../athletes/athlete.types';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { TrackStore } from '../storage/track-store.service';
import { GarminClient, GarminConnection } from './garmin.client';
import { mapSessionMeta } from './point-mapper';
import { raceConfigInputFor, startConfig } from './start-config';
import { toSessionStatus, toTrackpointView, SessionStatus, TrackpointView } from './session-status';
import { parseShareUrl, ParsedShareUrl, redactShareUrl } from './share-url';
import { Tracker } from './tracker.service';
import { LeaseKeeper } from '../cluster/lease-keeper.service';
import { StatusExtras, StatusCourse } from './status-extras';
import { TrackingEvents } from './tracking-events';
import { SessionChains } from './session-chains.service';
import { SessionLinker } from './session-linker.service';

export interface StartOptions {
  /** The athlete the caller already knows (an invitation): matched by key, not by Garmin's name. */
  athleteKey?: string;
}

export interface PointsWindow {
  session_id: string;
  from: string;
  count: number;
  points: TrackpointView[];
}

/**
 * What people (REST) and Claude (MCP) can do with tracked sessions. Both faces call only this,
 * so they behave the same and report the same errors.
 */
@Injectable()
export class TrackingService {
  private readonly logger = new Logger(TrackingService.name);
  /** Concurrent starts of one session share one attempt (no second poller). */
  private readonly starting = new Map<string, Promise<SessionStatus>>();

  constructor(
    private readonly store: TrackStore,
    private readonly tracker: Tracker,
    private readonly garmin: GarminClient,
    private readonly events: TrackingEvents,
    private readonly extras: StatusExtras,
    private readonly config: AppConfig,
    private readonly leases: LeaseKeeper,
    private readonly athletes: AthletesService,
    private readonly chains: SessionChains,
    private readonly linker: SessionLinker,
  ) {}

  /**
   * Starts tracking a share URL, or returns the session already tracking it. A session started
   * without a race_config gets its athlete's (opts.athleteKey, else the athlete whose display_name
   * is Garmin's athlete name).
   */
  async start(url: string, raceConfig: Record<string, unknown> = {}, opts: StartOptions = {}): Promise<{ created: boolean; status: SessionStatus }> {
    // An unknown athlete key fails before anything is stored.
    const athlete = opts.athleteKey ? await this.athletes.get(opts.athleteKey) : null;
    const share = await this.garmin.resolveShareUrl(url);
    if (this.tracker.isTracking(share.sessionId)) return { created: false, status: await this.status(share.sessionId) };
    // Active but polled by another replica (or about to be taken by one): the same session.
    if ((await this.store.findSession(share.sessionId))?.state === 'active') return { created: false, status: await this.status(share.sessionId) };
    const pending = this.starting.get(share.sessionId);
    if (pending) return { created: false, status: await pending };

    const attempt = this.createAndLaunch(share, raceConfig, athlete);
    this.starting.set(share.sessionId, attempt);
    try {
      return { created: true, status: await attempt };
    } finally {
      this.starting.delete(share.sessionId);
    }
  }

  private async createAndLaunch(share: ParsedShareUrl, givenRaceConfig: Record<string, unknown>, knownAthlete: Athlete | null): Promise<SessionStatus> {
    const { sessionId, shareUrl } = share;
    const existing = await this.store.findSession(sessionId);
    // Checked before Garmin is asked: a bad race_config fails fast.
    startConfig(existing?.thresholds ?? {}, givenRaceConfig);

    // Check the session exists before storing it (metadata on the origin's shared handshake, the
    // share page only when metadata says nothing); a Garmin blip (5xx, timeout) does not block
    // the start, the poller keeps retrying.
    let known: 'ok' | 'gone' = 'ok';
    let garminAthlete: string | null = null;
    let garminStart: number | null = null;
    try {
      const probe = await this.garmin.probeSessionMeta(new GarminConnection(share));
      known = probe.known;
      ({ athlete: garminAthlete, start: garminStart } = metaOf(probe.meta));
    } catch (error) {
      this.logger.warn({ msg: `starting despite Garmin error: ${(error as Error).message}`, sessionId });
    }
    if (known === 'gone') {
      throw new InputError(`url: Garmin has no live session ${sessionId} (404: unknown or expired). Check the share link.`, ['url']);
    }
    // Garmin's athlete name unknown yet (metadata failed): the poller's first metadata read matches it (AthleteMatcher).
    const athlete = knownAthlete ?? (await this.athletes.matchGarminName(garminAthlete));
    const { thresholds, raceConfig, thresholdsChanged } = startConfig(existing?.thresholds ?? {}, raceConfigInputFor(givenRaceConfig, athlete));
    // Garmin's start too: whether this session continues an earlier one is decided on it (SessionLinker).
    const athleteFields = { athleteKey: athlete?.key ?? null, ...(garminAthlete ? { athlete: garminAthlete } : {}), ...(garminStart !== null ? { garminStart } : {}) };
    // Started again while watching after a provisional stop: track it actively from now on. The
    // watch may run on another replica: its lease is cleared, so that replica lets go.
    await this.tracker.release(sessionId);
    if (existing) await this.leases.clearLease(sessionId);

    const now = Date.now();
    let session: RaceSessionEntity;
    if (existing) {
      // Restarting a finished race: keep its points and counters, track again.
      await this.store.updateSession(sessionId, {
        shareUrl, raceConfig: { ...raceConfig }, thresholds,
        ...(thresholdsChanged ? { thresholdsUpdatedAt: now, thresholdsUpdatedBy: 'race_config' } : {}),
        state: 'active', stopReason: null, stopDetail: null, stoppedAt: null, startedAt: now, lastNewPointReceivedAt: null, watchingUntil: null,
        ...athleteFields,
      });
      session = (await this.store.findSession(sessionId))!;
    } else {
      session = await this.store.createSession(Object.assign(new RaceSessionEntity(), {
        id: sessionId, shareUrl, raceConfig: { ...raceConfig }, thresholds, state: 'active',
        stopReason: null, stopDetail: null, sessionName: null, athlete: null, garminStart: null, garminEnd: null,
        postFrequencyS: null, startedAt: now, stoppedAt: null, updatedAt: now, lastPointAt: null,
        lastNewPointReceivedAt: null, points: 0, polls: 0, pollErrors: 0, lastError: null, lastErrorAt: null,
        lastPollAt: null, rejectedPoints: 0, analysisRuns: 0, analysisErrors: 0, lastAnalysisAt: null,
        lastAnalysisResult: null, alertsSent: 0, thresholdsUpdatedAt: thresholdsChanged ? now : null,
        thresholdsUpdatedBy: thresholdsChanged ? 'race_config' : null, watchingUntil: null, revivals: 0, pointsSource: 'api',
        alertsMutedUntil: null, leaseHolder: null, leaseExpiresAt: null, alertState: null, previousSessionId: null, nextSessionId: null,
        ...athleteFields,
      }));
    }
    // Polled here, or by a less loaded replica from its next lease round.
    if (await this.leases.placeNew(sessionId)) {
      await this.tracker.begin(session);
      this.events.lifecycle.next({ sessionId, kind: 'started' });
    }
    this.logger.log({ msg: 'tracking started', sessionId, url: redactShareUrl(shareUrl), ...(athlete ? { athlete: athlete.key } : {}) });
    // A watch restarted mid-race: this session continues the athlete's previous one, which stops.
    await this.linker.linkNew(sessionId).catch((error) => this.logger.error({ msg: `session linking failed: ${(error as Error).message}`, sessionId }));
    return this.status(sessionId);
  }

  async stop(sessionId: string): Promise<SessionStatus> {
    const session = await this.requireSession(sessionId);
    // A watch after a provisional stop ends too: a manual stop is final.
    if (session.state === 'active' || session.watchingUntil !== null) await this.tracker.stop(sessionId, 'manual', 'stopped on request');
    return this.status(sessionId);
  }

  async status(sessionId: string): Promise<SessionStatus & { course: StatusCourse }> {
    const session = await this.requireSession(sessionId);
    // An active poller knows the current leg; otherwise read it from the newest stored point.
    const runtime = this.tracker.runtime(sessionId);
    const leg = runtime ? runtime.leg : ((await this.store.findLastPoint(sessionId))?.leg ?? null);
    return { ...toSessionStatus(session, runtime, leg), course: await this.extras.courseOf(sessionId) };
  }

  /** Garmin's courses endpoint for a tracked session (the planned course, when the watch carries one). */
  async garminCourses(sessionId: string): Promise<unknown> {
    const session = await this.requireSession(sessionId);
    const share = parseShareUrl(session.shareUrl, this.config.allowedOrigins);
    if ('shortLink' in share) throw new InputError(`session ${sessionId} has no resolved share URL`, ['session_id']);
    return this.garmin.fetchCourses(new GarminConnection(share));
  }

  async list(): Promise<SessionStatus[]> {
    const sessions = await this.store.listSessions();
    return sessions.map((s) => toSessionStatus(s, this.tracker.runtime(s.id), null));
  }

  /**
   * Points of the last `minutes` before the newest stored point, or since an ISO time: of the whole
   * race when the session is linked to others (a restarted watch), continued across them.
   */
  async points(sessionId: string, window: { minutes?: number; since?: string }): Promise<PointsWindow> {
    const session = await this.requireSession(sessionId);
    const chain = await this.chains.chainOf(sessionId);
    let from: number;
    if (window.since) {
      from = Date.parse(window.since);
      if (!Number.isFinite(from)) throw new InputError('since must be an ISO-8601 time', ['since']);
    } else {
      const minutes = window.minutes ?? 10;
      if (!(minutes > 0)) throw new InputError('minutes must be a positive number', ['minutes']);
      // Anchored at the newest point so finished races and replays answer too.
      from = ((await this.chains.lastPointAt(chain, session)) ?? Date.now()) - minutes * 60_000;
    }
    const points = await this.chains.window(chain, from);
    return { session_id: sessionId, from: new Date(from).toISOString(), count: points.length, points: points.map(toTrackpointView) };
  }

  /** The session a request means: the given id, or the only active one. */
  async resolveSessionId(sessionId?: string | null): Promise<string> {
    if (sessionId) {
      await this.requireSession(sessionId);
      return sessionId;
    }
    // From the database: with several replicas the active race may be polled by another one.
    const active = (await this.store.findActiveSessions()).map((s) => s.id);
    if (active.length === 1) return active[0];
    // A missing required input, not a state conflict: 400 naming session_id (seed-compatible /control).
    if (active.length === 0) throw new InputError('session_id is required: no session is being tracked (start one first, or pass session_id)', ['session_id']);
    throw new InputError(`session_id is required: ${active.length} sessions are active (${active.join(', ')}); pass session_id to choose one`, ['session_id']);
  }

  async requireSession(sessionId: string): Promise<RaceSessionEntity> {
    const session = await this.store.findSession(sessionId);
    if (!session) throw new NotFoundError(`no session ${sessionId}: list sessions with GET /sessions`);
    return session;
  }
}

/** Garmin's athlete name and session start from a metadata body (null when missing or unreadable). */
function metaOf(meta: unknown): { athlete: string | null; start: number | null } {
  if (meta === null || meta === undefined) return { athlete: null, start: null };
  try {
    const mapped = mapSessionMeta(meta);
    return { athlete: mapped.athlete, start: mapped.start };
  } catch {
    return { athlete: null, start: null };
  }
}
