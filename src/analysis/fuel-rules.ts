// Fuelling reminders as a pure state machine over polled points (../shared/docs/coaching-metrics.md,
// "Fuelling reminders"). No Nest, no I/O: AlertService feeds it each poll's new points with the
// session's fuel_every_min as stored now and sends what it returns.
//
// The rule, exactly:
// - Moving time is counted on the same 1 Hz series as the metrics: the interval from a point to the
//   next belongs to the earlier point (step hold) and is worth ceil(next/1 s) − ceil(point/1 s)
//   seconds; an interval longer than 30 s is a gap and counts nothing.
// - An interval counts only when the earlier point is on the bike or run leg and its speed_mps is
//   above 0.5 m/s. Swim, t1, t2, stops and missing speed count nothing (the count is kept, not reset).
// - The count runs across legs (bike → t2 → run): it is moving time on the bike *or* run.
// - When the count reaches fuel_every_min × 60 s, a reminder is due at the time of the point that
//   closed the interval, on the leg of the interval. The count then restarts from the seconds of
//   that interval lying past the due moment (min(count − period, interval)), so with a constant
//   period reminder k falls at the first point where k × period moving seconds are reached (no
//   drift by the point spacing).
// - A changed fuel_every_min keeps the count. Lowered below it: one reminder with the next moving
//   interval, then a full new period (the excess is not carried, so it cannot fire a series).
//   fuel_every_min null stops counting and clears the count.
import { Leg, TrackpointRecord } from '../storage/trackpoint.types';

/** A silence longer than this between two points is no data (coaching-metrics.md, 1 Hz series). */
export const FUEL_GAP_MS = 30_000;
/** Moving means speed above this (moving_s rule). */
export const FUEL_MOVING_MPS = 0.5;
/** Legs whose moving time counts. */
export const FUEL_LEGS: readonly Leg[] = ['bike', 'run'];

/** What the count runs from, for the message. */
export type FuelSince = 'start' | 'reminder' | 'resumed' | 'enabled';

export interface FuelState {
  /** The newest point taken in: its interval to the next point is still open. */
  last: { time: number; leg: Leg; moving: boolean } | null;
  /** Moving seconds on bike and run counted towards the next reminder. */
  movingS: number;
  since: FuelSince;
}

export interface FuelReminder {
  leg: 'bike' | 'run';
  /** Point time at which the reminder fell due (epoch ms). */
  at: number;
  /** Moving seconds counted when it fell due (the period plus < one interval, more only if fuel_every_min was lowered). */
  moving_s: number;
  every_min: number;
  since: FuelSince;
}

/** State for a session counted from its first point. */
export function initialFuelState(): FuelState {
  return { last: null, movingS: 0, since: 'start' };
}

/**
 * State that counts from `newest` on, with nothing counted: used on the first batch after a boot
 * for a session that already has older stored points, so the moving time of a backlog is not
 * turned into a burst of reminders for times long past.
 */
export function fuelBaseline(newest: TrackpointRecord): FuelState {
  return { last: holdOf(newest), movingS: 0, since: 'resumed' };
}

function holdOf(p: TrackpointRecord): NonNullable<FuelState['last']> {
  return { time: p.time, leg: p.leg, moving: p.speedMps !== null && Number.isFinite(p.speedMps) && p.speedMps > FUEL_MOVING_MPS };
}

/** Seconds of the 1 Hz series an interval [from, to) holds (same counting as the metrics accumulator). */
export function heldSeconds(fromMs: number, toMs: number): number {
  return Math.ceil(toMs / 1000) - Math.ceil(fromMs / 1000);
}

/**
 * Feeds points (oldest first; a point not newer than the last one taken is ignored) and returns
 * the new state (the given one is not changed) and the reminders that fell due, oldest first.
 */
export function evaluateFuel(
  state: FuelState,
  points: readonly TrackpointRecord[],
  everyMin: number | null | undefined,
): { state: FuelState; reminders: FuelReminder[] } {
  const next: FuelState = { ...state, last: state.last ? { ...state.last } : null };
  const reminders: FuelReminder[] = [];
  const periodS = everyMin !== null && everyMin !== undefined && Number.isFinite(everyMin) && everyMin > 0 ? everyMin * 60 : null;

  for (const p of points) {
    if (!Number.isFinite(p.time)) continue;
    const prev = next.last;
    if (prev && p.time <= prev.time) continue;
    next.last = holdOf(p);
    if (periodS === null) {
      // Off: nothing is owed; switching it on again counts from then.
      next.movingS = 0;
      next.since = 'enabled';
      continue;
    }
    if (!prev || !prev.moving || !FUEL_LEGS.includes(prev.leg) || p.time - prev.time > FUEL_GAP_MS) continue;
    const credit = heldSeconds(prev.time, p.time);
    next.movingS += credit;
    if (next.movingS < periodS) continue;
    reminders.push({ leg: prev.leg as 'bike' | 'run', at: p.time, moving_s: next.movingS, every_min: everyMin as number, since: next.since });
    // Carry only what this interval ran past the due moment: keeps to the period without piling up
    // a count left from a lowered period. At most one reminder per point, even for a period
    // shorter than the interval.
    next.movingS = Math.min(next.movingS - periodS, credit) % periodS;
    next.since = 'reminder';
  }
  return { state: next, reminders };
}

const LEG_LABEL = { bike: 'Bike', run: 'Run' } as const;
const SINCE_TEXT: Record<FuelSince, string> = {
  start: 'since the start',
  reminder: 'since the last reminder',
  resumed: 'since tracking resumed',
  enabled: 'since reminders were switched on',
};

/** A short message for the athlete, e.g. "Bike: fuel now — 40 min moving since the last reminder (gel + water)". */
export function formatFuelReminder(r: FuelReminder): string {
  const min = Math.round(r.moving_s / 60);
  return `${LEG_LABEL[r.leg]}: fuel now — ${min} min moving ${SINCE_TEXT[r.since]} (gel + water)`;
}
