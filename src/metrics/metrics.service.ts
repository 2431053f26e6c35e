import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { TrackStore } from '../storage/track-store.service';
import { PHYSIOLOGY_FIELDS, resolveRaceConfig } from '../tracking/race-config';
import { StatusCourse, StatusExtras } from '../tracking/status-extras';
import { TrackingEvents } from '../tracking/tracking-events';
import { TrackingService } from '../tracking/tracking.service';
import type { Physiology, RaceMetricsSnapshot } from './metrics.types';
import { RaceMetrics } from './race-metrics';

/** Races whose accumulators stay in memory (least recently used dropped; rebuilt from the store on demand). */
const KEEP_RACES = 64;

export interface SessionMetrics extends RaceMetricsSnapshot {
  session_id: string;
  computed_at: string;
  course: StatusCourse;
}

interface Entry {
  metrics: RaceMetrics;
  /** Work on this race's accumulator, in order: the first read of the store, then each batch. */
  chain: Promise<void>;
  /** Set when reading the stored points failed: reads report it instead of partial figures. */
  failed?: Error;
}

/**
 * Coaching metrics per race, computed incrementally: the first request (or the first batch after
 * it) reads the stored points once, every later batch of new points is added as the tracker stores
 * it, so a 17-hour race is never re-read on each poll. Finished races are computed from the store
 * the same way. REST, MCP, the summary and the prompt all read them here.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MetricsService.name);
  private readonly entries = new Map<string, Entry>();
  private subscription: Subscription | null = null;

  constructor(
    private readonly store: TrackStore,
    private readonly events: TrackingEvents,
    private readonly tracking: TrackingService,
    private readonly extras: StatusExtras,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.pointsIngested.subscribe(({ sessionId, points }) => {
      const entry = this.entries.get(sessionId);
      // Races nobody asked about yet are built from the store when first asked: nothing to do now.
      if (entry) entry.chain = entry.chain.then(() => entry.metrics.add(points));
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** `{ session_id, computed_at, race, legs, course }` with the race's physiology as configured now. */
  async metrics(sessionId: string): Promise<SessionMetrics> {
    const session = await this.tracking.requireSession(sessionId);
    const snapshot = await this.snapshot(sessionId, physiologyOf(session.raceConfig));
    return { session_id: sessionId, computed_at: new Date().toISOString(), ...snapshot, course: await this.extras.courseOf(sessionId) };
  }

  async snapshot(sessionId: string, physiology: Physiology): Promise<RaceMetricsSnapshot> {
    const entry = this.entry(sessionId);
    await entry.chain;
    if (entry.failed) throw entry.failed;
    return entry.metrics.snapshot(physiology);
  }

  private entry(sessionId: string): Entry {
    let entry = this.entries.get(sessionId);
    if (entry) {
      // Most recently used last.
      this.entries.delete(sessionId);
      this.entries.set(sessionId, entry);
      return entry;
    }
    const metrics = new RaceMetrics();
    const created: Entry = { metrics, chain: Promise.resolve() };
    // Never a rejected chain (batches are chained on it unobserved): a failed read is logged, the entry dropped, the next read retries.
    created.chain = this.load(sessionId, metrics).catch((error) => {
      created.failed = error as Error;
      if (this.entries.get(sessionId) === created) this.entries.delete(sessionId);
      this.logger.error({ msg: `metrics could not be loaded: ${(error as Error).message}`, sessionId });
    });
    entry = created;
    this.entries.set(sessionId, entry);
    if (this.entries.size > KEEP_RACES) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }

  /** Stored points, oldest first, in pages (a batch arriving meanwhile is de-duplicated by time). */
  private load(sessionId: string, metrics: RaceMetrics): Promise<void> {
    return this.store.forEachPointPage(sessionId, (page) => metrics.add(page));
  }
}

/** The physiology part of a stored race_config. */
export function physiologyOf(raceConfig: Record<string, unknown>): Physiology {
  const config = resolveRaceConfig(raceConfig);
  const out: Physiology = {};
  for (const field of PHYSIOLOGY_FIELDS) out[field] = config[field];
  return out;
}
