// Leg detection from activityType changes within one LiveTrack session. Assumption (doc): a
// multisport race shows its legs only as activityType changes; a transition shows as TRANSITION
// or as a stretch of STATIONARY points.
import type { Leg, RaceType } from '../storage/trackpoint.types';

export type Sport = 'swim' | 'bike' | 'run';
export type ActivityKind = Sport | 'transition' | null;

export interface LegState {
  readonly raceType: RaceType;
  readonly leg: Leg;
  /** last sport actually seen from activityType; null before any classified point */
  readonly sport: Sport | null;
  /**
   * The current t1/t2 was inferred from STATIONARY points only. If the same sport resumes it was
   * a pause (red light, standing in the water), not a transition, so the leg reverts to the sport.
   */
  readonly inferredTransition: boolean;
}

/** Triathlon order; legs only move forward along it. */
export const TRIATHLON_LEG_ORDER: readonly Leg[] = ['swim', 't1', 'bike', 't2', 'run'];

const order = (leg: Leg): number => {
  const i = TRIATHLON_LEG_ORDER.indexOf(leg);
  return i < 0 ? 0 : i;
};
const later = (a: Leg, b: Leg): Leg => (order(b) > order(a) ? b : a);

/** Classifies a Garmin activityType; null when it says nothing about the leg (MULTISPORT, unknown). */
export function activityKind(activityType: string | null | undefined): ActivityKind {
  if (typeof activityType !== 'string') return null;
  const t = activityType.trim().toUpperCase();
  if (t === '') return null;
  if (t.includes('TRANSITION')) return 'transition';
  if (t.includes('SWIM')) return 'swim';
  if (/CYCLING|BIKING|(^|_)BIKE($|_)|(^|_)RIDE$/.test(t)) return 'bike';
  if (/RUNNING|(^|_)RUN$/.test(t)) return 'run';
  return null;
}

/** The sport an activityType clearly names, else null. */
export function sportOfActivityType(activityType: string | null | undefined): Sport | null {
  const k = activityKind(activityType);
  return k === 'transition' ? null : k;
}

/** The fixed leg of a single-sport race, or null when legs come from the data. */
export function legOfRaceType(raceType: RaceType): Leg | null {
  if (raceType === 'bike') return 'bike';
  if (raceType === 'run') return 'run';
  return null;
}

export function createLegState(raceType: RaceType): LegState {
  const initial: Leg = raceType === 'triathlon' ? 'swim' : (legOfRaceType(raceType) ?? 'other');
  return { raceType, leg: initial, sport: null, inferredTransition: false };
}

/** Leg of the next point (feed points in time order). Pure: returns the new state. */
export function assignLeg(
  state: LegState,
  activityType: string | null,
  pointStatus: string | null,
): { leg: Leg; state: LegState } {
  const next = nextState(state, activityType, pointStatus);
  return { leg: next.leg, state: next };
}

function nextState(state: LegState, activityType: string | null, pointStatus: string | null): LegState {
  const fixed = legOfRaceType(state.raceType);
  if (fixed) return state.leg === fixed ? state : { ...state, leg: fixed };

  const kind = activityKind(activityType);

  if (state.raceType !== 'triathlon') {
    // 'other' (duathlon, swimrun, anything): no fixed order, so follow the data; a point
    // without a clear sport (null type, MULTISPORT, early STATIONARY) keeps the current leg.
    if (kind === 'swim' || kind === 'bike' || kind === 'run') return { ...state, leg: kind, sport: kind };
    return state;
  }

  if (kind === 'swim' || kind === 'bike' || kind === 'run') {
    if (state.inferredTransition && kind === state.sport) {
      return { ...state, leg: kind, inferredTransition: false };
    }
    const leg = later(state.leg, kind);
    if (leg === state.leg) {
      // Same leg: note the sport (first swim point); a stray earlier sport (SWIMMING during the
      // run) changes nothing.
      return leg === kind && state.sport !== kind ? { ...state, sport: kind } : state;
    }
    return { ...state, leg, sport: kind, inferredTransition: false };
  }

  if (kind === 'transition') {
    const target: Leg = order(state.leg) < order('bike') ? 't1' : 't2';
    const leg = later(state.leg, target);
    return { ...state, leg, inferredTransition: false };
  }

  // Unknown type: a STATIONARY stretch right after a sport leg is the transition into the next.
  if (isStationary(pointStatus)) {
    if (state.leg === 'swim' && state.sport === 'swim') return { ...state, leg: 't1', inferredTransition: true };
    if (state.leg === 'bike' && state.sport === 'bike') return { ...state, leg: 't2', inferredTransition: true };
  }
  return state;
}

function isStationary(status: string | null): boolean {
  return typeof status === 'string' && status.trim().toUpperCase() === 'STATIONARY';
}
