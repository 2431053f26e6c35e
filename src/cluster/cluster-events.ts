import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { filter, finalize, map, Observable, Subject, Subscription } from 'rxjs';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ListenConnection, ListenStats, sendNotify, supportsNotify } from '../storage/notify-channel';
import { TrackStore } from '../storage/track-store.service';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { SessionLifecycle, TrackingEvents } from '../tracking/tracking-events';

/** The PostgreSQL channel every replica NOTIFYs and LISTENs on. */
export const CLUSTER_CHANNEL = 'livetrack_points';
/** Most points one catch-up read hands over; the rest follow with the next notification. */
const MAX_POINTS_PER_READ = 10_000;

/** What travels in a NOTIFY: which points, not the points (the payload must stay under 8000 bytes). */
export type ClusterMessage =
  | { k: 'points'; r: string; s: string; from: number; to: number; n: number }
  | { k: 'lifecycle'; r: string; s: string; kind: SessionLifecycle['kind'] };

export function encodeMessage(message: ClusterMessage): string {
  return JSON.stringify(message);
}

/** A notification's payload, or null when it is not one of ours (counted, never thrown). */
export function decodeMessage(payload: string): ClusterMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!m || typeof m !== 'object') return null;
  const o = m as Record<string, unknown>;
  if (typeof o.r !== 'string' || typeof o.s !== 'string' || !o.s) return null;
  if (o.k === 'points' && Number.isFinite(o.from) && Number.isFinite(o.to) && (o.from as number) <= (o.to as number)) {
    return { k: 'points', r: o.r, s: o.s, from: o.from as number, to: o.to as number, n: Number(o.n) || 0 };
  }
  if (o.k === 'lifecycle' && typeof o.kind === 'string') return { k: 'lifecycle', r: o.r, s: o.s, kind: o.kind as SessionLifecycle['kind'] };
  return null;
}

/** Figures for /health (and tests). */
export interface ClusterEventsStats {
  enabled: boolean;
  listen: ListenStats | null;
  sent: number;
  send_errors: number;
  received: number;
  bad_payloads: number;
  remote_batches: number;
  remote_points: number;
  read_errors: number;
  watched_sessions: number;
}

/** One session with open streams here: how many, and the newest point handed to them. */
interface Watch {
  streams: number;
  /** Newest point time the streams have had (local or remote); null until the first batch. */
  lastSent: number | null;
  /** Reads of one session run one after another, so batches reach the streams in order. */
  chain: Promise<void>;
}

/**
 * Live events across replicas. Only the replica holding a session's lease polls it, so its
 * TrackingEvents fire in that process alone; a dashboard stream opened on another replica would
 * see nothing. On PostgreSQL every replica NOTIFYs CLUSTER_CHANNEL after each stored batch (the
 * session and the time range, not the points) and on lifecycle changes, and LISTENs on one
 * dedicated connection. A notification from another replica for a session with open streams here
 * is turned into the stored points (TrackStore.findWindow) and handed to those streams as if
 * polled here. Handing over is deduplicated by the newest time already handed over, which also
 * fills a gap (notifications lost while the LISTEN connection was down) with the next batch, and
 * at once when the connection is back. With SQLite (one process) nothing of this runs.
 */
@Injectable()
export class ClusterEvents implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClusterEvents.name);
  private readonly enabled: boolean;
  private listener: ListenConnection | null = null;
  private readonly subscriptions = new Subscription();
  private readonly watches = new Map<string, Watch>();
  private readonly remoteBatches$ = new Subject<{ sessionId: string; points: TrackpointRecord[] }>();
  private readonly remoteLifecycle$ = new Subject<SessionLifecycle>();
  /** Every session another replica stored points for or changed the lifecycle of (the coach board). */
  private readonly remoteActivity$ = new Subject<string>();
  private readonly counters = { sent: 0, send_errors: 0, received: 0, bad_payloads: 0, remote_batches: 0, remote_points: 0, read_errors: 0 };
  private closing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: TrackingEvents,
    private readonly store: TrackStore,
    private readonly config: AppConfig,
  ) {
    this.enabled = supportsNotify(dataSource) && !!config.databaseUrl;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.relayLocalEvents();
    this.listen();
  }

  /** This replica's batches and lifecycle changes go out to the others. */
  private relayLocalEvents(): void {
    this.subscriptions.add(
      this.events.pointsIngested.subscribe(({ sessionId, points }) => {
        if (!points.length) return;
        let from = points[0].time;
        let to = from;
        for (const p of points) {
          if (p.time < from) from = p.time;
          if (p.time > to) to = p.time;
        }
        this.noteSent(sessionId, to);
        this.publish({ k: 'points', r: this.config.replicaId, s: sessionId, from, to, n: points.length });
      }),
    );
    this.subscriptions.add(
      this.events.lifecycle.subscribe(({ sessionId, kind }) => this.publish({ k: 'lifecycle', r: this.config.replicaId, s: sessionId, kind })),
    );
  }

  /** Theirs come in on one dedicated connection. */
  private listen(): void {
    this.listener = new ListenConnection({
      url: this.config.databaseUrl!,
      channel: CLUSTER_CHANNEL,
      applicationName: `livetrack-listen:${this.config.replicaId}`.slice(0, 63),
      onNotify: (payload) => this.onNotify(payload),
      onListening: (reconnected) => {
        if (!reconnected) return;
        this.logger.log({ msg: 'LISTEN connection back: catching up the open dashboard streams', sessions: this.watches.size });
        for (const sessionId of this.watches.keys()) this.catchUp(sessionId, null);
      },
      onTrouble: (message) => this.logger.warn({ msg: message }),
    });
    this.listener.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    this.subscriptions.unsubscribe();
    await this.listener?.stop();
    this.remoteBatches$.complete();
    this.remoteLifecycle$.complete();
    this.remoteActivity$.complete();
  }

  stats(): ClusterEventsStats {
    return {
      enabled: this.enabled,
      listen: this.listener?.stats() ?? null,
      ...this.counters,
      watched_sessions: this.watches.size,
    };
  }

  /**
   * Points of a session stored by other replicas, each batch once and in order, while subscribed.
   * Subscribing marks the session as watched here (only watched sessions are read on a
   * notification). Never emits with SQLite.
   */
  remotePoints(sessionId: string): Observable<TrackpointRecord[]> {
    return new Observable<TrackpointRecord[]>((subscriber) => {
      if (!this.enabled) return undefined;
      const watch = this.watches.get(sessionId) ?? { streams: 0, lastSent: null, chain: Promise.resolve() };
      watch.streams++;
      this.watches.set(sessionId, watch);
      const inner = this.remoteBatches$
        .pipe(
          filter((b) => b.sessionId === sessionId),
          map((b) => b.points),
          finalize(() => {
            watch.streams--;
            if (watch.streams <= 0 && this.watches.get(sessionId) === watch) this.watches.delete(sessionId);
          }),
        )
        .subscribe(subscriber);
      return () => inner.unsubscribe();
    });
  }

  /** Lifecycle changes of a session on other replicas (a stop, a takeover). */
  remoteLifecycle(sessionId: string): Observable<SessionLifecycle> {
    return this.remoteLifecycle$.pipe(filter((e) => e.sessionId === sessionId));
  }

  /**
   * Ids of sessions another replica stored a batch for or changed the lifecycle of, whether
   * watched here or not: the coach board reads what it shows from the database itself, so it needs
   * only the nudge. Never emits with SQLite.
   */
  remoteActivity(): Observable<string> {
    return this.remoteActivity$.asObservable();
  }

  private publish(message: ClusterMessage): void {
    if (this.closing) return;
    sendNotify(this.dataSource, CLUSTER_CHANNEL, encodeMessage(message)).then(
      () => this.counters.sent++,
      (error: Error) => {
        this.counters.send_errors++;
        // One line per failure would flood the log during an outage: every tenth.
        if (this.counters.send_errors % 10 === 1) {
          this.logger.warn({ msg: `NOTIFY failed (${this.counters.send_errors} so far): ${error.message}`, sessionId: message.s });
        }
      },
    );
  }

  private onNotify(payload: string): void {
    this.counters.received++;
    const message = decodeMessage(payload);
    if (!message) {
      this.counters.bad_payloads++;
      return;
    }
    if (message.r === this.config.replicaId) return; // ours: the streams here had it from TrackingEvents
    this.remoteActivity$.next(message.s);
    if (message.k === 'lifecycle') {
      if (this.watches.has(message.s)) this.remoteLifecycle$.next({ sessionId: message.s, kind: message.kind });
      return;
    }
    if (this.watches.has(message.s)) this.catchUp(message.s, message.from);
  }

  /** Local batches count as handed over (the streams had them from TrackingEvents). */
  private noteSent(sessionId: string, to: number): void {
    const watch = this.watches.get(sessionId);
    if (watch && (watch.lastSent === null || to > watch.lastSent)) watch.lastSent = to;
  }

  /**
   * Reads what the streams of a session have not had yet: from after the newest point handed over
   * (so a gap is filled), or from the notified batch's start when nothing was handed over yet.
   * `from` null: a catch-up after reconnecting, only meaningful once something was handed over.
   */
  private catchUp(sessionId: string, from: number | null): void {
    const watch = this.watches.get(sessionId);
    if (!watch) return;
    watch.chain = watch.chain.then(async () => {
      if (this.closing || this.watches.get(sessionId) !== watch) return;
      const start = watch.lastSent !== null ? watch.lastSent + 1 : from;
      if (start === null) return;
      let points: TrackpointRecord[];
      try {
        points = await this.store.findWindow(sessionId, start, Number.MAX_SAFE_INTEGER, MAX_POINTS_PER_READ);
      } catch (error) {
        this.counters.read_errors++;
        this.logger.warn({ msg: `reading points another replica stored failed: ${(error as Error).message}`, sessionId });
        return;
      }
      // A local batch may have been handed over while this read was in flight.
      const fresh = watch.lastSent === null ? points : points.filter((p) => p.time > watch.lastSent!);
      if (!fresh.length || this.closing) return;
      watch.lastSent = fresh[fresh.length - 1].time;
      this.counters.remote_batches++;
      this.counters.remote_points += fresh.length;
      this.remoteBatches$.next({ sessionId, points: fresh });
    });
  }
}
