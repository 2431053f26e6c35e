// Linked sessions (contract, "Athletes"): when a watch is restarted mid-race, Garmin starts a new
// session with a new link. A new session of the same athlete starting within 6 h of the previous
// one's last point continues it. Pure: the linker loads, this decides; the chain readers use the
// continuation of Garmin's cumulative figures below.
import type { RaceSessionEntity } from '../storage/race-session.entity';
import type { TrackpointRecord } from '../storage/trackpoint.types';

/** A new session starting at most this long after the previous one's last point continues it. */
export const LINK_WINDOW_MS = 6 * 3_600_000;

export type LinkFields = Pick<
  RaceSessionEntity,
  'id' | 'athleteKey' | 'athlete' | 'lastPointAt' | 'previousSessionId' | 'nextSessionId' | 'garminStart' | 'startedAt' | 'stopReason'
>;

/**
 * When a session started: Garmin's start from its metadata (the device's clock, like point times),
 * else its first stored point, else when tracking began (our clock: right for a live race, while a
 * replay of an old race then links to nothing).
 */
export function sessionStartOf(s: Pick<RaceSessionEntity, 'garminStart' | 'startedAt'>, firstPointAt: number | null = null): number {
  return s.garminStart ?? firstPointAt ?? s.startedAt;
}

/**
 * The same athlete: the same athlete profile on both. A Garmin name alone is not enough: linking
 * stops the earlier session for good, and two people (or two test sessions, or one athlete's
 * separate races of a day) can carry one name; a profile is the coach saying who this is.
 */
export function sameAthlete(a: Pick<LinkFields, 'athleteKey'>, b: Pick<LinkFields, 'athleteKey'>): boolean {
  return !!a.athleteKey && a.athleteKey === b.athleteKey;
}

/** Why `candidate` may not be the session `next` continues, or null when it may. */
export function linkRefusal(next: LinkFields, nextStartsAt: number, candidate: LinkFields): string | null {
  if (candidate.id === next.id) return 'the session itself';
  if (next.previousSessionId !== null) return 'the new session already continues another';
  if (candidate.nextSessionId !== null) return 'already continued by another session';
  if (candidate.previousSessionId === next.id) return 'it continues the new session';
  if (!sameAthlete(next, candidate)) return 'another athlete';
  if (candidate.lastPointAt === null) return 'no point stored';
  // Garmin's END: the athlete ended that activity (a warm-up, an earlier race); a restarted watch sends none.
  if (candidate.stopReason === 'end_event' || candidate.stopReason === 'garmin_end') return 'it ended with Garmin\'s END';
  // Points after the new start: both were live at once, which a restarted watch is not.
  if (candidate.lastPointAt > nextStartsAt) return 'its last point is after the new session started';
  if (nextStartsAt - candidate.lastPointAt > LINK_WINDOW_MS) return 'its last point is more than 6 h before the new session started';
  return null;
}

/** The session `next` continues among `candidates`: of those allowed, the one with the newest last point; null when none. */
export function choosePrevious<T extends LinkFields>(next: LinkFields, nextStartsAt: number, candidates: readonly T[]): T | null {
  let best: T | null = null;
  for (const c of candidates) {
    if (linkRefusal(next, nextStartsAt, c) !== null) continue;
    if (!best || (c.lastPointAt ?? 0) > (best.lastPointAt ?? 0)) best = c;
  }
  return best;
}

/** What is added to a later session's cumulative figures so the chain reads as one activity. */
export interface ChainOffset {
  distanceM: number;
  durationS: number;
}

export const NO_OFFSET: ChainOffset = { distanceM: 0, durationS: 0 };

/**
 * The offset of each session of a chain (oldest first) from the totals at the end of each: a
 * restarted watch counts distance and duration from 0 again, so a later session continues from
 * the sum of the earlier ones' totals.
 */
export function chainOffsets(totals: ReadonlyArray<{ distanceM: number | null; durationS: number | null }>): ChainOffset[] {
  const out: ChainOffset[] = [];
  let distanceM = 0;
  let durationS = 0;
  for (const t of totals) {
    out.push({ distanceM, durationS });
    distanceM += t.distanceM ?? 0;
    durationS += t.durationS ?? 0;
  }
  return out;
}

/** Points of one session of a chain with its offset applied (absent values stay absent). */
export function continuePoints(points: readonly TrackpointRecord[], offset: ChainOffset): TrackpointRecord[] {
  if (offset.distanceM === 0 && offset.durationS === 0) return points as TrackpointRecord[];
  return points.map((p) => ({
    ...p,
    distanceM: p.distanceM === null ? null : p.distanceM + offset.distanceM,
    durationS: p.durationS === null ? null : p.durationS + offset.durationS,
  }));
}
