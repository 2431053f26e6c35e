// When to stop tracking a race (the seed's rules, see shared/docs/garmin-livetrack.md).
// Evaluated on every tick, also while polling is backing off after errors.

export interface RaceEndInput {
  now: number;
  trackingStartedAt: number;
  /** wall-clock ms when a new point last arrived; null if none yet */
  lastNewPointAt: number | null;
  staleStopMin: number;
  minElapsedMin: number;
  /** session start/end from Garmin's metadata (epoch ms) */
  garminStart: number | null;
  garminEnd: number | null;
  sawEndEvent: boolean;
}

export type RaceEndDecision =
  | { stop: false }
  | { stop: true; reason: 'end_event' | 'garmin_end' | 'stale'; detail: string };

const MINUTE = 60_000;
/** While live, Garmin reports end = start + 24 h. */
export const LIVE_END_PLACEHOLDER_MS = 24 * 60 * MINUTE;
/** An end this close to start + 24 h is taken for the placeholder. */
export const PLACEHOLDER_TOLERANCE_MS = 5 * MINUTE;

const isNum = (v: number | null): v is number => typeof v === 'number' && Number.isFinite(v);

/** True when garminEnd is Garmin's "still live" placeholder rather than a real end. */
export function isPlaceholderEnd(garminStart: number | null, garminEnd: number | null): boolean {
  if (!isNum(garminStart) || !isNum(garminEnd)) return false;
  return Math.abs(garminEnd - (garminStart + LIVE_END_PLACEHOLDER_MS)) <= PLACEHOLDER_TOLERANCE_MS;
}

export function decideRaceEnd(input: RaceEndInput): RaceEndDecision {
  const { now, trackingStartedAt, lastNewPointAt, garminStart, garminEnd } = input;

  if (input.sawEndEvent) {
    return { stop: true, reason: 'end_event', detail: 'Garmin reported an END event (activity stopped and saved)' };
  }

  if (
    isNum(garminEnd) &&
    garminEnd <= now &&
    !isPlaceholderEnd(garminStart, garminEnd) &&
    // An end before the start is garbage, not an end; the stale rule still applies.
    !(isNum(garminStart) && garminEnd < garminStart)
  ) {
    return {
      stop: true,
      reason: 'garmin_end',
      detail: `Garmin reports the activity ended at ${new Date(garminEnd).toISOString()}`,
    };
  }

  const elapsedMs = now - trackingStartedAt;
  const sinceMs = now - (isNum(lastNewPointAt) ? lastNewPointAt : trackingStartedAt);
  if (sinceMs >= input.staleStopMin * MINUTE && elapsedMs >= input.minElapsedMin * MINUTE) {
    const elapsed = (elapsedMs / MINUTE).toFixed(1);
    const detail = isNum(lastNewPointAt)
      ? `no new point for ${(sinceMs / MINUTE).toFixed(1)} min after ${elapsed} min of tracking`
      : `no point received in ${elapsed} min of tracking`;
    return { stop: true, reason: 'stale', detail };
  }

  return { stop: false };
}
