import { BeforeApplicationShutdown, Injectable, Logger, MessageEvent, Optional } from '@nestjs/common';
import { EMPTY, filter, finalize, from, map, merge, mergeMap, Observable, share, startWith, Subject, switchMap, takeUntil, timer, catchError, concatMap, distinct, of } from 'rxjs';
import { AlertService } from '../analysis/alert.service';
import { ClusterEvents } from '../cluster/cluster-events';
import { TrackingEvents } from '../tracking/tracking-events';
import { TrackingService } from '../tracking/tracking.service';
import { SessionChains } from '../tracking/session-chains.service';
import { DashboardStatus, dashboardPoints, dashboardStatus } from './dashboard-view';
import { AnalysisStore } from '../storage/analysis-store.service';
import { toAnalysisView } from '../analysis/analysis-view';

/** Status is re-sent this often even without new points: stale age, poll errors and analysis move on their own. */
export const STATUS_EVERY_MS = 5_000;
/** Analysis cycles the timeline shows (newest first). */
const TIMELINE_ANALYSES = 20;
/** Tells EventSource how soon to reconnect after a dropped connection. */
const RETRY_MS = 2_000;

/**
 * The race page's live feed: new points as the tracker stores them (TrackingEvents.pointsIngested),
 * and the session status after each batch, on lifecycle changes and every STATUS_EVERY_MS. With
 * several replicas the session may be polled by another one: its batches and lifecycle changes
 * come through ClusterEvents (PostgreSQL LISTEN/NOTIFY) and are streamed alike. One Observable
 * per client; Nest unsubscribes it when the client disconnects, and shutdown completes every open
 * stream so the HTTP server can close.
 */
@Injectable()
export class DashboardLive implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DashboardLive.name);
  private readonly shutdown$ = new Subject<void>();
  private open = 0;

  constructor(
    private readonly tracking: TrackingService,
    private readonly events: TrackingEvents,
    private readonly alerts: AlertService,
    private readonly history: AnalysisStore,
    private readonly chains: SessionChains,
    // Optional: a test module without the cluster wiring still streams this replica's own batches.
    @Optional() private readonly cluster?: ClusterEvents,
  ) {}

  /** Number of connected event streams (for tests and health of the feature). */
  get openStreams(): number {
    return this.open;
  }

  /**
   * `viewer`: for a viewer link's page (family, crew), without the coach's analysis cycles: that
   * page shows the race, not the coaching.
   */
  stream(sessionId: string, audience: 'coach' | 'viewer' = 'coach'): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      this.open++;
      // The race's sessions: this one, then each that continues it (a restarted watch) once the
      // link forms, here (sessionsLinked) or on another replica (seen within STATUS_EVERY_MS), so
      // a page left open on the old session keeps receiving the race.
      const ids$ = merge(timer(STATUS_EVERY_MS, STATUS_EVERY_MS), this.events.sessionsLinked).pipe(
        concatMap(() => from(this.chains.chainOf(sessionId)).pipe(concatMap((chain) => from(chain.ids)), catchError(() => EMPTY))),
        startWith(sessionId),
        distinct(),
      );
      // Batches polled here, and (several replicas) those another replica polled and stored.
      const ingested$ = ids$.pipe(
        mergeMap((id) => {
          const local$ = this.events.pointsIngested.pipe(filter((b) => b.sessionId === id), map((b) => b.points));
          const remote$ = this.cluster ? this.cluster.remotePoints(id) : EMPTY;
          return merge(local$, remote$).pipe(map((points) => ({ id, points })));
        }),
        share(),
      );
      // As the page loaded them: continued across linked sessions, in order.
      const points$ = ingested$.pipe(
        concatMap(({ id, points }) => from(this.chains.chainOf(sessionId)).pipe(map((chain) => this.chains.continued(chain, id, points)), catchError(() => of(points)))),
        filter((points) => points.length > 0),
        map((points): MessageEvent => ({ type: 'points', data: dashboardPoints(points) })),
      );
      const triggers$ = merge(
        timer(0, STATUS_EVERY_MS),
        ingested$,
        this.events.lifecycle.pipe(filter((e) => e.sessionId === sessionId)),
        this.cluster ? this.cluster.remoteLifecycle(sessionId) : EMPTY,
      );
      // switchMap: a newer trigger supersedes a status read still in flight (it may predate the batch).
      const status$ = triggers$.pipe(
        switchMap(() =>
          from(this.readStatus(sessionId, audience)).pipe(
            catchError((error) => {
              this.logger.warn({ msg: `dashboard status read failed: ${(error as Error).message}`, sessionId });
              return EMPTY;
            }),
          ),
        ),
        map((data): MessageEvent => ({ type: 'status', data, retry: RETRY_MS })),
      );
      const inner = merge(points$, status$)
        .pipe(takeUntil(this.shutdown$), finalize(() => this.open--))
        .subscribe(subscriber);
      return () => inner.unsubscribe();
    });
  }

  /** The status of the race's newest session: after a restarted watch, the one still going. */
  private async readStatus(pageSessionId: string, audience: 'coach' | 'viewer'): Promise<DashboardStatus> {
    const chain = await this.chains.chainOf(pageSessionId).catch(() => null);
    const sessionId = chain?.ids[chain.ids.length - 1] ?? pageSessionId;
    const [status, analyses] = await Promise.all([
      this.tracking.status(sessionId),
      audience === 'coach' ? this.history.recentAnalyses(sessionId, TIMELINE_ANALYSES) : Promise.resolve([]),
    ]);
    return dashboardStatus(status, this.alerts.recentAlerts(sessionId), analyses.map(toAnalysisView));
  }

  beforeApplicationShutdown(): void {
    this.shutdown$.next();
    this.shutdown$.complete();
  }
}
