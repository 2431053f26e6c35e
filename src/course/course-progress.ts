// Live progress along a course. State is small and serialisable (CourseState) and is advanced one
// point at a time, so each poll only projects its new points; the ETA speed window holds at most
// 10 minutes of points.
import type { TrackpointRecord } from '../storage/trackpoint.types';
import type { Course, CourseProgress } from './course.types';
import { haversine, isValidLatLon, pointAt, projectForward } from './geo';

export const ETA_WINDOW_MS = 10 * 60 * 1000;
export const ETA_MIN_SPEED_MPS = 0.5;
/** Before the athlete is first placed on the course, a position must be this close to it (not the hotel, not the swim). */
export const ACQUIRE_MAX_OFF_M = 200;
/** Farther than this from every candidate, the projection holds where it was (a detour, a course that is not the current leg). */
export const HOLD_OFF_M = 500;
/** Forward search: at least this, growing with the time since the last placed point at a speed nobody races faster than. */
export const MIN_FORWARD_M = 1000;
export const MAX_SPEED_MPS = 30;

export interface CourseState {
  /** Null until a position has been placed on the course. */
  distance_done_m: number | null;
  off_course_m: number | null;
  /** Time (epoch ms) of the last point that moved the projection. */
  anchor_time: number | null;
  /** Time (epoch ms) of the newest point taken in. */
  time: number | null;
}

export type CoursePoint = Pick<TrackpointRecord, 'time' | 'lat' | 'lon'> & Partial<Pick<TrackpointRecord, 'speedMps'>>;

export function initialCourseState(): CourseState {
  return { distance_done_m: null, off_course_m: null, anchor_time: null, time: null };
}

/** Pure: the state after one more point (a point not newer than the newest one is ignored). */
export function advanceCourse(course: Course, state: CourseState, point: CoursePoint): CourseState {
  if (!Number.isFinite(point.time) || (state.time !== null && point.time <= state.time)) return state;
  if (!isValidLatLon(point.lat, point.lon)) return { ...state, time: point.time };
  const lat = point.lat as number;
  const lon = point.lon as number;
  const prev = state.distance_done_m;
  if (prev === null || state.anchor_time === null) {
    const p = projectForward(course, lat, lon, null, { acquireWithinM: ACQUIRE_MAX_OFF_M });
    return p.off_course_m <= ACQUIRE_MAX_OFF_M
      ? { distance_done_m: p.distance_done_m, off_course_m: p.off_course_m, anchor_time: point.time, time: point.time }
      : { ...initialCourseState(), off_course_m: p.off_course_m, time: point.time };
  }
  const elapsedS = (point.time - state.anchor_time) / 1000;
  const speed = typeof point.speedMps === 'number' && Number.isFinite(point.speedMps) && point.speedMps > 0 ? point.speedMps : 0;
  const p = projectForward(course, lat, lon, prev, {
    forwardM: Math.max(MIN_FORWARD_M, elapsedS * MAX_SPEED_MPS),
    expectedAdvanceM: Math.min(speed, MAX_SPEED_MPS) * elapsedS,
  });
  if (p.off_course_m <= HOLD_OFF_M) return { distance_done_m: p.distance_done_m, off_course_m: p.off_course_m, anchor_time: point.time, time: point.time };
  const at = pointAt(course, prev);
  return { ...state, off_course_m: haversine(lat, lon, at.lat, at.lon), time: point.time };
}

/** Speeds (> 0.5 m/s) of the points of the last 10 minutes before the newest point. */
export class RecentSpeeds {
  private times: number[] = [];
  private speeds: number[] = [];
  private head = 0;
  private newest: number | null = null;

  push(time: number, speedMps: number | null | undefined): void {
    if (!Number.isFinite(time) || (this.newest !== null && time <= this.newest)) return;
    this.newest = time;
    if (typeof speedMps === 'number' && Number.isFinite(speedMps) && speedMps > ETA_MIN_SPEED_MPS) {
      this.times.push(time);
      this.speeds.push(speedMps);
    }
    while (this.head < this.times.length && this.times[this.head] < time - ETA_WINDOW_MS) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.speeds = this.speeds.slice(this.head);
      this.head = 0;
    }
  }

  values(): number[] {
    return this.speeds.slice(this.head);
  }

  /** Mean speed, null when no point of the window moved. */
  mean(): number | null {
    return meanSpeed(this.values());
  }
}

function meanSpeed(speeds: readonly number[]): number | null {
  let sum = 0;
  let n = 0;
  for (const s of speeds) {
    if (Number.isFinite(s) && s > ETA_MIN_SPEED_MPS) {
      sum += s;
      n++;
    }
  }
  return n ? sum / n : null;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;
const iso = (ms: number): string => new Date(Math.round(ms)).toISOString();

export interface CourseProgressResult {
  progress: CourseProgress;
  /** The state with newestPoint taken in: keep it for the next call. */
  state: CourseState;
}

/**
 * Progress after taking in the newest point. recentSpeeds: the speed_mps of the last 10 minutes of
 * points (values ≤ 0.5 are left out here) or a RecentSpeeds window. ETAs count from the newest
 * point's time.
 */
export function courseProgress(
  course: Course,
  state: CourseState,
  newestPoint: CoursePoint | null,
  recentSpeeds: readonly number[] | RecentSpeeds,
): CourseProgressResult {
  const next = newestPoint ? advanceCourse(course, state, newestPoint) : state;
  const speed = recentSpeeds instanceof RecentSpeeds ? recentSpeeds.mean() : meanSpeed(recentSpeeds);
  const base = next.time;
  const done = next.distance_done_m;
  const progress: CourseProgress = {
    distance_m: r1(course.distance_m),
    distance_done_m: done === null ? null : r1(done),
    distance_to_go_m: null,
    progress_pct: null,
    off_course_m: next.off_course_m === null ? null : r1(next.off_course_m),
    eta: null,
    next_checkpoint: null,
  };
  if (done !== null) {
    const toGo = Math.max(0, course.distance_m - done);
    const eta = (d: number): string | null => (speed !== null && base !== null ? iso(base + (d / speed) * 1000) : null);
    progress.distance_to_go_m = r1(toGo);
    progress.progress_pct = course.distance_m > 0 ? Math.round((done / course.distance_m) * 10000) / 100 : null;
    progress.eta = eta(toGo);
    const cp = course.checkpoints.find((c) => c.distance_m > done);
    if (cp) progress.next_checkpoint = { name: cp.name, distance_to_go_m: r1(cp.distance_m - done), eta: eta(cp.distance_m - done) };
  }
  return { progress, state: next };
}

/** Keeps a session's course state and ETA window; add() each poll's new points, oldest first. */
export class CourseTracker {
  private st: CourseState;
  private readonly speeds = new RecentSpeeds();

  constructor(
    readonly course: Course,
    state: CourseState = initialCourseState(),
  ) {
    this.st = state;
  }

  get state(): CourseState {
    return this.st;
  }

  add(points: readonly CoursePoint[]): void {
    for (const p of points) {
      this.speeds.push(p.time, p.speedMps);
      this.st = advanceCourse(this.course, this.st, p);
    }
  }

  progress(): CourseProgress {
    return courseProgress(this.course, this.st, null, this.speeds).progress;
  }
}
