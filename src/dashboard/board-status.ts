// The coach board's status per athlete: plain rules over the session status and the newest points,
// no framework. Time is race time (point timestamps) wherever the rule is about the athlete, so a
// replay or a late-polled batch judges the same as a live race; only "no data" uses the wall clock
// (it is about points not arriving).
import type { Leg, TrackpointRecord } from '../storage/trackpoint.types';

/** Worst first: the board sorts by this order. */
export const BOARD_STATUSES = ['stopped moving', 'no data', 'over threshold', 'ok', 'finished'] as const;
export type BoardStatus = (typeof BOARD_STATUSES)[number];

export const statusRank = (status: BoardStatus): number => BOARD_STATUSES.indexOf(status);

/** Below this speed (m/s) a point counts as standing still (a walk is about 1.3 m/s). */
export const STILL_SPEED_MPS = 0.5;
/** Standing still this long (race time) outside a transition is the safety signal. */
export const STOPPED_AFTER_S = 5 * 60;
/** No new point for this many poll intervals: the board says "no data". */
export const NO_DATA_POLLS = 3;

/** Legs where standing still is normal (changing gear). */
const TRANSITIONS: ReadonlySet<Leg> = new Set<Leg>(['t1', 't2']);

/**
 * How long the athlete has stood still, advanced batch by batch. `stillSince` is the race time of
 * the first point of the current still stretch; null while moving, in a transition, or before the
 * athlete has moved at all (waiting at the start is not "stopped on course").
 */
export interface MotionState {
  last: Pick<TrackpointRecord, 'time' | 'lat' | 'lon' | 'leg'> | null;
  hasMoved: boolean;
  stillSince: number | null;
}

export const INITIAL_MOTION: MotionState = { last: null, hasMoved: false, stillSince: null };

/** Metres between two positions (equirectangular: exact enough over a few seconds of travel). */
function metresBetween(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const k = Math.PI / 180;
  const x = (b.lon - a.lon) * k * Math.cos(((a.lat + b.lat) / 2) * k);
  const y = (b.lat - a.lat) * k;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

/**
 * Whether a point shows the athlete moving: by its speed when the device reports one, else by the
 * position change since the previous point; null when neither tells.
 */
export function isMoving(p: TrackpointRecord, prev: MotionState['last']): boolean | null {
  if (p.speedMps !== null && Number.isFinite(p.speedMps)) return p.speedMps >= STILL_SPEED_MPS;
  if (p.lat === null || p.lon === null || !prev || prev.lat === null || prev.lon === null || p.time <= prev.time) return null;
  const metres = metresBetween({ lat: prev.lat, lon: prev.lon }, { lat: p.lat, lon: p.lon });
  return metres / ((p.time - prev.time) / 1000) >= STILL_SPEED_MPS;
}

/** Feeds points (oldest first; older or repeated ones are ignored) into the motion state. Pure. */
export function advanceMotion(state: MotionState, points: readonly TrackpointRecord[]): MotionState {
  let { last, hasMoved, stillSince } = state;
  for (const p of points) {
    if (last && p.time <= last.time) continue;
    // Distance covered means the race is under way, even when the first point seen already stands still.
    if (p.distanceM !== null && p.distanceM > 0) hasMoved = true;
    if (TRANSITIONS.has(p.leg)) {
      stillSince = null;
    } else {
      const moving = isMoving(p, last);
      if (moving === true) {
        hasMoved = true;
        stillSince = null;
      } else if (moving === false && hasMoved && stillSince === null) {
        stillSince = p.time;
      }
    }
    last = { time: p.time, lat: p.lat, lon: p.lon, leg: p.leg };
  }
  return { last, hasMoved, stillSince };
}

/** Seconds of race time the athlete has stood still up to the newest point; null when moving. */
export function stillForS(state: MotionState): number | null {
  if (state.stillSince === null || !state.last) return null;
  return Math.max(0, (state.last.time - state.stillSince) / 1000);
}

export interface BoardStatusInput {
  /** Tracked actively right now. */
  active: boolean;
  /** A provisional (stale/gone) stop still watched on Garmin: watching_until set. */
  watching: boolean;
  /** Wall-clock seconds since the last new point arrived (status.stale_s); null when not active. */
  staleS: number | null;
  pollIntervalS: number;
  /** stillForS of the athlete's motion. */
  stillForS: number | null;
  /** A figure now is outside the current leg's thresholds. */
  outsideThreshold: boolean;
}

/**
 * One status per athlete. Finished and not watched: `finished`. Watched after a stale stop, or no
 * new point for NO_DATA_POLLS poll intervals: `no data` — even when the last points stood still,
 * since "stopped moving" means points still arrive. Then standing still for STOPPED_AFTER_S
 * outside a transition, then a figure outside its threshold, else `ok`.
 */
export function boardStatus(input: BoardStatusInput): BoardStatus {
  if (!input.active) return input.watching ? 'no data' : 'finished';
  if (input.staleS !== null && input.staleS > NO_DATA_POLLS * input.pollIntervalS) return 'no data';
  if (input.stillForS !== null && input.stillForS > STOPPED_AFTER_S) return 'stopped moving';
  if (input.outsideThreshold) return 'over threshold';
  return 'ok';
}

/** Board order: status rank (worst first), then name (case-insensitive), then id so it is stable. */
export function compareCards(a: { status: BoardStatus; name: string; session_id: string }, b: typeof a): number {
  return (
    statusRank(a.status) - statusRank(b.status) ||
    a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) ||
    (a.session_id < b.session_id ? -1 : a.session_id > b.session_id ? 1 : 0)
  );
}
