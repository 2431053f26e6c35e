// The race-day lifecycle of a tracked session (../shared/docs/contract.md, "Race-day lifecycle"):
//   active ──stale/gone──▶ watching ──new points──▶ active (revivals + 1)
//   active|watching ──END / Garmin's real end / manual / link older than 24 h──▶ final
// A stale stop is provisional because devices lose the phone for long stretches (a swim with the
// phone in the bike bag); while Garmin still serves the link, points can come back.
import { decideRaceEnd, RaceEndInput } from './race-end';

const HOUR = 3_600_000;
/** A LiveTrack link lives this long after the session's start. */
export const LINK_LIFE_MS = 24 * HOUR;

export type FinalReason = 'end_event' | 'garmin_end' | 'expired';
export type ProvisionalReason = 'stale' | 'gone';

export type LifecycleDecision =
  | { action: 'continue' }
  /** Stop for good: no more Garmin calls. */
  | { action: 'final'; reason: FinalReason; detail: string }
  /** Provisional stop: state finished, but keep a cheap watch until `watchingUntil`. */
  | { action: 'watch'; reason: ProvisionalReason; detail: string; watchingUntil: number };

export interface LifecycleInput extends RaceEndInput {
  mode: 'active' | 'watching';
  /** Garmin answers 404 for the session right now (named `gone` instead of `stale`). */
  garminForgot: boolean;
  /** Race time of the first stored point, if any. */
  firstPointAt: number | null;
}

/**
 * When the link stops living: Garmin's start + 24 h. A start that would already have expired when
 * tracking began (yet Garmin answered) is not trusted — clock skew or a replay — and our own
 * tracking start is used instead, so a race that is still going is never expired by bad metadata.
 */
export function linkExpiresAt(input: Pick<LifecycleInput, 'garminStart' | 'firstPointAt' | 'trackingStartedAt'>): number {
  for (const start of [input.garminStart, input.firstPointAt]) {
    if (typeof start === 'number' && Number.isFinite(start) && start + LINK_LIFE_MS > input.trackingStartedAt && start <= input.trackingStartedAt + HOUR) {
      return start + LINK_LIFE_MS;
    }
  }
  return input.trackingStartedAt + LINK_LIFE_MS;
}

export function decideLifecycle(input: LifecycleInput): LifecycleDecision {
  const expiresAt = linkExpiresAt(input);
  const end = decideRaceEnd(input);

  if (input.mode === 'watching') {
    // Only Garmin's real end or the link's age ends a watch; silence is what a watch expects.
    if (end.stop && end.reason === 'garmin_end') return { action: 'final', reason: 'garmin_end', detail: end.detail };
    if (input.now >= expiresAt) return expired(expiresAt);
    return { action: 'continue' };
  }

  if (end.stop && end.reason !== 'stale') return { action: 'final', reason: end.reason, detail: end.detail };
  if (input.now >= expiresAt) return expired(expiresAt);
  if (end.stop) {
    const gone = input.garminForgot;
    return {
      action: 'watch',
      reason: gone ? 'gone' : 'stale',
      detail: `${gone ? 'Garmin answers 404 for the session; ' : ''}${end.detail}; watching for new points until ${new Date(expiresAt).toISOString()}`,
      watchingUntil: expiresAt,
    };
  }
  return { action: 'continue' };
}

function expired(expiresAt: number): LifecycleDecision {
  return { action: 'final', reason: 'expired', detail: `the LiveTrack link's 24 h life ended at ${new Date(expiresAt).toISOString()}` };
}

/** A watched session comes back when a poll stored at least one new point. */
export function shouldRevive(mode: LifecycleInput['mode'], insertedPoints: number): boolean {
  return mode === 'watching' && insertedPoints > 0;
}
