// Great-circle distance and projection of a position onto a course polyline.
import type { Checkpoint, Course, LatLon } from './course.types';

/** Mean Earth radius (IUGG), as coaching-metrics.md fixes it. */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;
const M_PER_DEG = EARTH_RADIUS_M * RAD;

/** Longitude difference into [-180, 180] (a course across the antimeridian). */
const wrap = (dLon: number): number => (dLon > 180 ? dLon - 360 : dLon < -180 ? dLon + 360 : dLon);

export function haversine(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function isValidLatLon(lat: unknown, lon: unknown): boolean {
  return typeof lat === 'number' && typeof lon === 'number' && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}

/**
 * Between passes of the course about equally near a position with nothing else to go on (first
 * placement, waypoints), the earliest within this distance of the nearest wins: the start of a
 * loop rather than its finish.
 */
export const SAME_PASS_TOLERANCE_M = 30;
/**
 * Continuity weight: a candidate pays this many metres of off-course distance per metre between its
 * course distance and the expected one. 0.05: another lap 400 m on costs 20 m, more than GPS noise,
 * while a real position far ahead after a silence still wins by being much nearer.
 */
export const CONTINUITY_WEIGHT = 0.05;
export const DEFAULT_FORWARD_M = 2000;
/** Backward search: GPS jitter, a stop, a short U-turn; small so a crossing behind cannot win. */
export const DEFAULT_BACKWARD_M = 100;

/** Drops consecutive identical points (zero-length segments). */
export function dedupeConsecutive(points: LatLon[]): LatLon[] {
  return points.filter((p, i) => i === 0 || p.lat !== points[i - 1].lat || p.lon !== points[i - 1].lon);
}

/** Builds a course from an ordered polyline (≥ 2 points) and waypoints to place on it. */
export function buildCourse(polyline: LatLon[], waypoints: Array<LatLon & { name: string }> = [], name: string | null = null): Course {
  const points = dedupeConsecutive(polyline);
  if (points.length < 2) throw new RangeError('a course needs at least two distinct points');
  const cumulative_m = new Array<number>(points.length);
  cumulative_m[0] = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    cumulative_m[i] = cumulative_m[i - 1] + haversine(a.lat, a.lon, b.lat, b.lon);
  }
  const course: Course = { name, points, cumulative_m, distance_m: cumulative_m[points.length - 1], checkpoints: [] };
  course.checkpoints = waypoints
    .map((w): Checkpoint => ({ name: w.name, distance_m: placeWaypoint(course, w) }))
    .sort((a, b) => a.distance_m - b.distance_m);
  return course;
}

interface Candidate {
  along: number;
  off: number;
  segment: number;
}

/** Index of the segment (i → i+1) containing course distance d, clamped to the course. */
export function segmentAt(course: Course, d: number): number {
  const cum = course.cumulative_m;
  let lo = 0;
  let hi = cum.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (cum[mid] <= d) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The position at course distance d. */
export function pointAt(course: Course, d: number): LatLon {
  const i = segmentAt(course, d);
  const a = course.points[i];
  const b = course.points[i + 1];
  const len = course.cumulative_m[i + 1] - course.cumulative_m[i];
  const t = len > 0 ? Math.min(1, Math.max(0, (d - course.cumulative_m[i]) / len)) : 0;
  return { lat: a.lat + (b.lat - a.lat) * t, lon: wrap(a.lon + wrap(b.lon - a.lon) * t) };
}

/**
 * The local minima of the distance from (lat, lon) to the course between segments from..to: one
 * candidate per pass of the course near the position. On a segment the distance is unimodal, so a
 * minimum is a segment's interior nearest point, or a vertex the segment before ends at and the one
 * after starts from (two passes meeting at a turnaround stay two candidates). Distances use an
 * equirectangular plane centred on the position, exact enough at segment scale.
 */
function candidates(course: Course, lat: number, lon: number, from: number, to: number): Candidate[] {
  const kx = M_PER_DEG * Math.cos(lat * RAD);
  const pts = course.points;
  const cum = course.cumulative_m;
  const out: Candidate[] = [];
  let prevT = -1;
  for (let i = from; i <= to; i++) {
    const a = pts[i];
    const b = pts[i + 1];
    const ax = wrap(a.lon - lon) * kx;
    const ay = (a.lat - lat) * M_PER_DEG;
    const dx = wrap(b.lon - a.lon) * kx;
    const dy = (b.lat - a.lat) * M_PER_DEG;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.min(1, Math.max(0, -(ax * dx + ay * dy) / len2)) : 0;
    const qx = ax + t * dx;
    const qy = ay + t * dy;
    const off = Math.sqrt(qx * qx + qy * qy);
    if (t > 0 && t < 1) out.push({ along: cum[i] + t * (cum[i + 1] - cum[i]), off, segment: i });
    else if (t === 0 && (i === from || prevT === 1)) out.push({ along: cum[i], off, segment: i });
    else if (t === 1 && i === to) out.push({ along: cum[i + 1], off, segment: i });
    prevT = t;
  }
  // Cannot happen for a continuous distance function; keeps the callers total.
  if (!out.length) out.push({ along: cum[from], off: haversine(lat, lon, pts[from].lat, pts[from].lon), segment: from });
  return out;
}

/** Nearest candidate; those within SAME_PASS_TOLERANCE_M of it count as tied and the earliest (or latest) wins. */
function nearestPass(cands: Candidate[], latest = false): Candidate {
  let best = cands[0];
  for (const c of cands) if (c.off < best.off) best = c;
  let pick = best;
  for (const c of cands) {
    if (c.off > best.off + SAME_PASS_TOLERANCE_M) continue;
    if (latest ? c.along > pick.along : c.along < pick.along) pick = c;
  }
  return pick;
}

export interface Projection {
  distance_done_m: number;
  off_course_m: number;
}

export interface ProjectOptions {
  /** How far ahead of the previous projection to look (default 2 km). */
  forwardM?: number;
  /** How far behind it (default 100 m). */
  backwardM?: number;
  /** How far the athlete is expected to have gone since the previous projection (speed × time; default 0). */
  expectedAdvanceM?: number;
  /**
   * First placement only: the earliest pass within this distance wins over a nearer later one.
   * A race starts at the start: on a loop whose finish is where it starts, the finish must not
   * be taken for the start because it happens to be a few metres nearer.
   */
  acquireWithinM?: number;
}

/**
 * Projects a position onto the course. With a previous projection, only the course from
 * previousDistanceDone − backwardM to previousDistanceDone + forwardM is searched, and among the
 * passes there the one minimising off-course distance + CONTINUITY_WEIGHT × |distance − expected|
 * wins (expected = previous + expectedAdvanceM; on a tie the one further on): a crossing or a
 * later lap does not jump ahead, and the way back of an out-and-back is not taken for the way out.
 * Without one (first placement) the whole course is searched and the earliest of the nearest
 * passes wins.
 */
export function projectForward(course: Course, lat: number, lon: number, previousDistanceDone: number | null, options: ProjectOptions = {}): Projection {
  const prev = previousDistanceDone;
  let chosen: Candidate;
  if (prev === null || !Number.isFinite(prev)) {
    const cands = candidates(course, lat, lon, 0, course.points.length - 2);
    const within = options.acquireWithinM === undefined ? [] : cands.filter((c) => c.off <= options.acquireWithinM!);
    chosen = within.length ? within.reduce((a, b) => (b.along < a.along ? b : a)) : nearestPass(cands);
  } else {
    const from = segmentAt(course, prev - Math.max(0, options.backwardM ?? DEFAULT_BACKWARD_M));
    const to = segmentAt(course, prev + Math.max(0, options.forwardM ?? DEFAULT_FORWARD_M));
    const expected = prev + Math.max(0, options.expectedAdvanceM ?? 0);
    const cands = candidates(course, lat, lon, from, to);
    chosen = cands[0];
    let bestScore = Infinity;
    for (const c of cands) {
      const score = c.off + CONTINUITY_WEIGHT * Math.abs(c.along - expected);
      if (score < bestScore || (score === bestScore && c.along > chosen.along)) {
        bestScore = score;
        chosen = c;
      }
    }
  }
  const at = pointAt(course, chosen.along);
  return { distance_done_m: chosen.along, off_course_m: haversine(lat, lon, at.lat, at.lon) };
}

const FINISH_NAME = /\b(finish|ziel|arriv\w*|end|ende|fin|meta)\b/i;

/**
 * Course distance of a waypoint: its nearest pass; between passes about equally near (a
 * start/finish arch on a loop) the earliest, or the latest when the name says finish.
 */
function placeWaypoint(course: Course, w: LatLon & { name: string }): number {
  return nearestPass(candidates(course, w.lat, w.lon, 0, course.points.length - 2), FINISH_NAME.test(w.name)).along;
}
