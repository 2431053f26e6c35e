import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { TrackStore } from '../storage/track-store.service';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { ChainOffset, chainOffsets, continuePoints, NO_OFFSET } from './session-links';
import { TrackingEvents } from './tracking-events';

/** A resolved chain is reused this long: readers ask per batch, a link formed on another replica shows within it. */
const CHAIN_TTL_MS = 5_000;
/** Resolved chains and final sessions' totals kept in memory (oldest dropped first). */
const KEEP = 1_000;

/** One race across linked sessions (a restarted watch), oldest first; a single session when linked to none. */
export interface SessionChain {
  /** The session ids, oldest first, joined: identifies the chain (it changes when a link forms). */
  key: string;
  ids: string[];
  sessions: RaceSessionEntity[];
  /** Added to each session's cumulative distance and duration (see chainOffsets). */
  offsets: ChainOffset[];
  /** A session's points count only after this time (the earlier sessions' newest point): one ordered race. */
  after: number[];
}

/**
 * Reads a race across its linked sessions for the race view, metrics, summary and exports: every
 * session linked before and after, in time order, Garmin's cumulative distance and duration
 * continued across the restarts.
 */
@Injectable()
export class SessionChains implements OnModuleInit, OnModuleDestroy {
  private readonly chains = new Map<string, { chain: SessionChain; at: number }>();
  /** Totals of sessions already continued by another: final, so they never change. */
  private readonly totals = new Map<string, { distanceM: number | null; durationS: number | null }>();
  private subscription: Subscription | null = null;

  constructor(
    private readonly store: TrackStore,
    private readonly events: TrackingEvents,
  ) {}

  onModuleInit(): void {
    // Links are rare: forget every resolved chain, the next read resolves it again.
    this.subscription = this.events.sessionsLinked.subscribe(() => this.chains.clear());
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** The chain of a session (just the session when it is linked to none, or unknown). */
  async chainOf(sessionId: string): Promise<SessionChain> {
    const cached = this.chains.get(sessionId);
    if (cached && Date.now() - cached.at < CHAIN_TTL_MS) return cached.chain;
    const sessions = await this.store.findChain(sessionId);
    const chain = sessions.length > 1 ? await this.resolve(sessions) : single(sessionId, sessions);
    remember(this.chains, sessionId, { chain, at: Date.now() });
    return chain;
  }

  private async resolve(sessions: RaceSessionEntity[]): Promise<SessionChain> {
    const totals = [];
    for (const s of sessions.slice(0, -1)) {
      let t = this.totals.get(s.id);
      if (!t) {
        t = await this.store.findPointTotals(s.id);
        // Only once final: a session still polled (its last batch) may still grow.
        if (s.state !== 'active' && s.watchingUntil === null) remember(this.totals, s.id, t);
      }
      totals.push(t);
    }
    const after: number[] = [];
    let newest = -Infinity;
    for (const s of sessions) {
      after.push(newest);
      if (s.lastPointAt !== null) newest = Math.max(newest, s.lastPointAt);
    }
    const ids = sessions.map((s) => s.id);
    return { key: ids.join(' '), ids, sessions, offsets: chainOffsets([...totals, { distanceM: 0, durationS: 0 }]), after };
  }

  /**
   * Newest stored point of the chain (race time), or null. Read fresh: the cached chain's sessions
   * are up to CHAIN_TTL_MS old, and the newest session is the one still growing. `fresh`: a row
   * of the chain the caller has just read (used instead of reading it again when it is the newest).
   */
  async lastPointAt(chain: SessionChain, fresh?: RaceSessionEntity): Promise<number | null> {
    const newestId = chain.ids[chain.ids.length - 1];
    const newest = fresh?.id === newestId ? fresh : await this.store.findSession(newestId);
    const times = [...chain.sessions.slice(0, -1).map((s) => s.lastPointAt), newest?.lastPointAt ?? null].filter((t): t is number => t !== null);
    return times.length ? Math.max(...times) : null;
  }

  /** Points of the chain with from ≤ time ≤ to, oldest first, continued. */
  async window(chain: SessionChain, fromMs: number, toMs = Number.MAX_SAFE_INTEGER): Promise<TrackpointRecord[]> {
    const out: TrackpointRecord[] = [];
    for (const [i, id] of chain.ids.entries()) {
      const from = Math.max(fromMs, chain.after[i] + 1);
      if (from > toMs) continue;
      out.push(...continuePoints(await this.store.findWindow(id, from, toMs), chain.offsets[i]));
    }
    return out;
  }

  /** Every point of the chain, oldest first, continued, a page at a time (any race length in bounded memory). */
  async *pages(chain: SessionChain, pageSize = 20_000): AsyncGenerator<TrackpointRecord[]> {
    for (const [i, id] of chain.ids.entries()) {
      let from = Math.max(0, chain.after[i] + 1);
      for (;;) {
        const page = await this.store.findWindow(id, from, Number.MAX_SAFE_INTEGER, pageSize);
        if (page.length) yield continuePoints(page, chain.offsets[i]);
        if (page.length < pageSize) break;
        from = page[page.length - 1].time + 1;
      }
    }
  }

  /** A live batch of one session as its chain reads it (offset applied). */
  continued(chain: SessionChain, sessionId: string, points: TrackpointRecord[]): TrackpointRecord[] {
    const i = chain.ids.indexOf(sessionId);
    if (i < 0) return points;
    return continuePoints(points.filter((p) => p.time > chain.after[i]), chain.offsets[i] ?? NO_OFFSET);
  }
}

function single(sessionId: string, sessions: RaceSessionEntity[]): SessionChain {
  return { key: sessionId, ids: [sessionId], sessions, offsets: [NO_OFFSET], after: [-Infinity] };
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > KEEP) map.delete(map.keys().next().value as string);
}
