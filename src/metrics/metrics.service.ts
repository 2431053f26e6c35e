import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { SessionChain, SessionChains } from '../tracking/session-chains.service';
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
  /** The race these metrics cover: the session, or every session linked with it (a restarted watch). */
  race: SessionChain;
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
 * the same way. REST, MCP, the summary and the prompt all read them here. Linked sessions (a
 * restarted watch) are one race: an entry is keyed by its chain, so a link forming gives a new
 * entry (the old one is dropped) and every session of the chain answers the same figures.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MetricsService.name);
  /** By chain key (SessionChain.key: the session id when linked to none). */
  private readonly entries = new Map<string, Entry>();
  private subscription: Subscription | null = null;

  constructor(
    private readonly chains: SessionChains,
    private readonly events: TrackingEvents,
    private readonly tracking: TrackingService,
    private readonly extras: StatusExtras,
  ) {}

  onModuleInit(): void {
    this.subscription = this.events.pointsIngested.subscribe(({ sessionId, points }) => {
      // Races nobody asked about yet are built from the store when first asked: nothing to do now.
      for (const entry of this.entries.values()) {
        if (entry.race.ids.includes(sessionId)) entry.chain = entry.chain.then(() => entry.metrics.add(this.chains.continued(entry.race, sessionId, points)));
      }
    });
    // A link formed here: the entries of either session no longer cover the whole race.
    this.subscription.add(
      this.events.sessionsLinked.subscribe(({ previousSessionId, nextSessionId }) => {
        for (const [key, entry] of this.entries) {
          if (entry.race.ids.includes(previousSessionId) || entry.race.ids.includes(nextSessionId)) this.entries.delete(key);
        }
      }),
    );
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

  /** Metrics of the session's race: across every session linked with it. */
  async snapshot(sessionId: string, physiology: Physiology): Promise<RaceMetricsSnapshot> {
    const entry = this.entry(await this.chains.chainOf(sessionId));
    await entry.chain;
    if (entry.failed) throw entry.failed;
    return entry.metrics.snapshot(physiology);
  }

  private entry(race: SessionChain): Entry {
    const key = race.key;
    let entry = this.entries.get(key);
    if (entry) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry;
    }
    // A link formed elsewhere (another replica): the entries of a shorter chain are outdated.
    for (const [other, old] of this.entries) {
      if (old.race.ids.some((id) => race.ids.includes(id))) this.entries.delete(other);
    }
    const metrics = new RaceMetrics();
    const created: Entry = { race, metrics, chain: Promise.resolve() };
    // Never a rejected chain (batches are chained on it unobserved): a failed read is logged, the entry dropped, the next read retries.
    created.chain = this.load(race, metrics).catch((error) => {
      created.failed = error as Error;
      if (this.entries.get(key) === created) this.entries.delete(key);
      this.logger.error({ msg: `metrics could not be loaded: ${(error as Error).message}`, sessionId: race.ids[race.ids.length - 1] });
    });
    entry = created;
    this.entries.set(key, entry);
    if (this.entries.size > KEEP_RACES) this.entries.delete(this.entries.keys().next().value as string);
    return entry;
  }

  /** Stored points of the race, oldest first, in pages (a batch arriving meanwhile is de-duplicated by time). */
  private async load(race: SessionChain, metrics: RaceMetrics): Promise<void> {
    for await (const page of this.chains.pages(race)) metrics.add(page);
  }
}

/** The physiology part of a stored race_config. */
export function physiologyOf(raceConfig: Record<string, unknown>): Physiology {
  const config = resolveRaceConfig(raceConfig);
  const out: Physiology = {};
  for (const field of PHYSIOLOGY_FIELDS) out[field] = config[field];
  return out;
}
