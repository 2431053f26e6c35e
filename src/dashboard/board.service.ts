import { BeforeApplicationShutdown, Injectable, Logger, MessageEvent, Optional } from '@nestjs/common';
import { EMPTY, merge, Observable, Subject, Subscription } from 'rxjs';
import { ClusterEvents } from '../cluster/cluster-events';
import { CourseService } from '../course/course.service';
import type { CourseProgress } from '../course/course.types';
import { MetricsService, physiologyOf } from '../metrics/metrics.service';
import type { RaceMetricsSnapshot } from '../metrics/metrics.types';
import { TrackStore } from '../storage/track-store.service';
import type { TrackpointRecord } from '../storage/trackpoint.types';
import { SessionStatus, toSessionStatus } from '../tracking/session-status';
import { Tracker } from '../tracking/tracker.service';
import { TrackingEvents } from '../tracking/tracking-events';
import { advanceMotion, compareCards, INITIAL_MOTION, MotionState } from './board-status';
import { BoardCard, boardCard, BoardSnapshot, boardSnapshot, CardInput, NOW_WINDOW_S } from './board-view';

/** A snapshot goes out at least this often (ages and "no data" move on without new points)… */
export const BOARD_EVERY_MS = 5_000;
/** …and at most this often, however many sessions send batches. */
export const BOARD_MIN_GAP_MS = 1_000;
/** Finished races shown below the active ones (newest start first). */
const FINISHED_SHOWN = 20;
/** Race time read back when the board first meets a session: enough to tell how long it has stood still. */
const SEED_WINDOW_MS = 30 * 60_000;
/** Newest points kept per session (race time): the "now" figures need NOW_WINDOW_S. */
const TAIL_MS = 2 * NOW_WINDOW_S * 1000;
const RETRY_MS = 2_000;
/** Cards (worst first) that show NP and decoupling; well inside MetricsService's 64 cached races. */
export const METRICS_CARDS = 40;

/** What the board keeps per session between snapshots. */
interface Tail {
  points: TrackpointRecord[];
  motion: MotionState;
}

/**
 * The coach board's data and its one event stream. A snapshot holds every athlete's card; it is
 * built once for all connected boards after a batch of any session (local, or stored by another
 * replica: ClusterEvents.remoteActivity), on lifecycle changes and every BOARD_EVERY_MS, never
 * more than once per BOARD_MIN_GAP_MS. Cheap for many athletes: the newest points of each session
 * are read from the store only past what the board already holds (one range read per session
 * with new points), the metrics and course progress come from their services' per-session caches,
 * and a finished race's card is built once. Nothing runs while no board is open.
 */
@Injectable()
export class BoardService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(BoardService.name);
  private readonly tails = new Map<string, Tail>();
  private readonly finished = new Map<string, { key: string; card: BoardCard }>();
  private readonly snapshots$ = new Subject<BoardSnapshot>();
  private readonly shutdown$ = new Subject<void>();
  private latest: { at: number; snapshot: BoardSnapshot } | null = null;
  private clients = 0;
  private triggers: Subscription | null = null;
  private tick: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private building = false;
  private dirty = false;
  private lastBuildAt = 0;
  private closed = false;

  constructor(
    private readonly store: TrackStore,
    private readonly tracker: Tracker,
    private readonly events: TrackingEvents,
    private readonly metrics: MetricsService,
    private readonly course: CourseService,
    @Optional() private readonly cluster?: ClusterEvents,
  ) {}

  /** Connected board streams (tests, health of the feature). */
  get openStreams(): number {
    return this.clients;
  }

  /** The board's Server-Sent Events: `board` events, each a whole BoardSnapshot. */
  stream(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      const send = (snapshot: BoardSnapshot) => subscriber.next({ type: 'board', data: snapshot, retry: RETRY_MS });
      const inner = this.snapshots$.subscribe(send);
      const ended = this.shutdown$.subscribe(() => subscriber.complete());
      if (++this.clients === 1) this.startTriggers();
      // A recent snapshot at once; a fresh one follows within BOARD_MIN_GAP_MS.
      if (this.latest && Date.now() - this.latest.at < BOARD_EVERY_MS) send(this.latest.snapshot);
      this.requestBuild();
      return () => {
        inner.unsubscribe();
        ended.unsubscribe();
        if (--this.clients === 0) this.stopTriggers();
      };
    });
  }

  /** Every athlete's card now: active (and watched) worst first, then finished races. */
  async snapshot(): Promise<BoardSnapshot> {
    // The stored sessions (as GET /sessions lists them), with Garmin's upload period besides the status.
    const sessions = await this.store.listSessions();
    const frequency = new Map(sessions.map((s) => [s.id, s.postFrequencyS]));
    const statuses = sessions.map((s) => toSessionStatus(s, this.tracker.runtime(s.id), null));
    const followed = statuses.filter((s) => s.active || s.watching_until !== null);
    const done = statuses.filter((s) => !s.active && s.watching_until === null).slice(0, FINISHED_SHOWN);
    // Ranked without metrics first (the status needs none), then NP and decoupling for the first
    // METRICS_CARDS only: the metrics cache holds 64 races, and reading more each second would rebuild
    // evicted ones from the store on every update.
    const inputs = await Promise.all(followed.map((s) => this.liveInput(s, frequency.get(s.session_id))));
    const ranked = inputs.map((input) => ({ input, card: boardCard({ ...input, metrics: null }) })).sort((a, b) => compareCards(a.card, b.card));
    const live = await Promise.all(
      ranked.map(async ({ input, card }, i) => (i < METRICS_CARDS ? boardCard({ ...input, metrics: await this.metricsOf(input.status) }) : card)),
    );
    const finished = await Promise.all(done.map((s) => this.finishedCard(s)));
    // Forget what belongs to sessions no longer shown.
    const shown = new Set([...followed, ...done].map((s) => s.session_id));
    for (const id of this.tails.keys()) if (!shown.has(id)) this.tails.delete(id);
    for (const id of this.finished.keys()) if (!shown.has(id)) this.finished.delete(id);
    return boardSnapshot([...live, ...finished]);
  }

  beforeApplicationShutdown(): void {
    this.closed = true;
    this.stopTriggers();
    this.shutdown$.next();
    this.shutdown$.complete();
    this.snapshots$.complete();
  }

  /** What a live card is built from, but the metrics. */
  private async liveInput(status: SessionStatus, postFrequencyS: number | null = null): Promise<Omit<CardInput, 'metrics'>> {
    this.finished.delete(status.session_id);
    const [tail, course] = await Promise.all([this.syncTail(status), this.courseOf(status.session_id)]);
    return { status, recent: tail.points, motion: tail.motion, course, postFrequencyS };
  }

  /** A finished race's card changes only if the race does (revival, a late batch): built once per state. */
  private async finishedCard(status: SessionStatus): Promise<BoardCard> {
    const key = `${status.stopped_at}|${status.points}|${status.alerts_sent}|${status.state}`;
    const cached = this.finished.get(status.session_id);
    if (cached?.key === key) return cached.card;
    const input = await this.liveInput(status);
    const card = boardCard({ ...input, metrics: await this.metricsOf(status) });
    this.tails.delete(status.session_id);
    this.finished.set(status.session_id, { key, card });
    return card;
  }

  /** Brings the session's newest points up to its last stored point, reading only what is new. */
  private async syncTail(status: SessionStatus): Promise<Tail> {
    const id = status.session_id;
    let tail = this.tails.get(id);
    if (!tail) {
      tail = { points: [], motion: INITIAL_MOTION };
      this.tails.set(id, tail);
    }
    const lastStored = status.last_point_at ? Date.parse(status.last_point_at) : null;
    const held = tail.motion.last?.time ?? null;
    if (lastStored === null || (held !== null && held >= lastStored)) return tail;
    let fresh: TrackpointRecord[];
    try {
      fresh = await this.store.findWindow(id, held !== null ? held + 1 : lastStored - SEED_WINDOW_MS);
    } catch (error) {
      this.logger.warn({ msg: `board: reading the newest points failed: ${(error as Error).message}`, sessionId: id });
      return tail;
    }
    if (!fresh.length) return tail;
    tail.motion = advanceMotion(tail.motion, fresh);
    const newest = fresh[fresh.length - 1].time;
    tail.points = tail.points.concat(fresh).filter((p) => p.time >= newest - TAIL_MS);
    return tail;
  }

  private async metricsOf(status: SessionStatus): Promise<RaceMetricsSnapshot | null> {
    if (!status.points) return null;
    try {
      return await this.metrics.snapshot(status.session_id, physiologyOf(status.race_config as unknown as Record<string, unknown>));
    } catch {
      return null; // MetricsService logged it; the card shows the rest
    }
  }

  private async courseOf(sessionId: string): Promise<CourseProgress | null> {
    try {
      return await this.course.progress(sessionId);
    } catch {
      return null;
    }
  }

  // ---------- when to build ----------

  private startTriggers(): void {
    this.triggers = merge(this.events.pointsIngested, this.events.lifecycle, this.cluster ? this.cluster.remoteActivity() : EMPTY).subscribe(() =>
      this.requestBuild(),
    );
    this.tick = setInterval(() => this.requestBuild(), BOARD_EVERY_MS);
    this.tick.unref();
  }

  private stopTriggers(): void {
    this.triggers?.unsubscribe();
    this.triggers = null;
    if (this.tick) clearInterval(this.tick);
    this.tick = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Coalesces triggers: one build at a time, BOARD_MIN_GAP_MS apart, and one more if asked for meanwhile. */
  private requestBuild(): void {
    this.dirty = true;
    if (this.closed || this.building || this.timer || this.clients === 0) return;
    const wait = Math.max(0, this.lastBuildAt + BOARD_MIN_GAP_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.build();
    }, wait);
  }

  private async build(): Promise<void> {
    this.dirty = false;
    this.building = true;
    this.lastBuildAt = Date.now();
    try {
      const snapshot = await this.snapshot();
      this.latest = { at: Date.now(), snapshot };
      if (!this.closed) this.snapshots$.next(snapshot);
    } catch (error) {
      this.logger.warn({ msg: `board snapshot failed: ${(error as Error).message}` });
    } finally {
      this.building = false;
      if (this.dirty) this.requestBuild();
    }
  }
}
