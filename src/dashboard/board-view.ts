// What the coach board receives: one card per athlete, shaped from the session status, the newest
// points, the metrics and the course progress. Pure: BoardService loads, this shapes.
import { thresholdsForLeg, type Metric } from '../analysis/leg-stats';
import type { Thresholds } from '../control/thresholds';
import type { CourseProgress } from '../course/course.types';
import type { RaceMetricsSnapshot } from '../metrics/metrics.types';
import type { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import type { SessionStatus } from '../tracking/session-status';
import { boardStatus, BoardStatus, compareCards, MotionState, statusRank, stillForS } from './board-status';

/** "Now" is the mean of the last this-many seconds of race time (one noisy point must not flip the status). */
export const NOW_WINDOW_S = 30;

export type Bound = 'over' | 'under' | 'ok';

/** A figure now, with where it stands against the current leg's thresholds (null: no threshold). */
export interface NowFigure {
  value: number | null;
  state: Bound | null;
  /** The threshold it crossed or is nearest to, e.g. `hr_max 150`. */
  limit: string | null;
}

export interface BoardEta {
  /** Finish ETA (ISO, race clock) and how far ahead of the newest point it lies. */
  finish: string | null;
  finish_in_s: number | null;
  next_checkpoint: { name: string; distance_to_go_m: number; eta: string | null; eta_in_s: number | null } | null;
  progress_pct: number | null;
  distance_to_go_m: number | null;
}

export interface BoardCard {
  session_id: string;
  /** The athlete's name when Garmin gives one, else the race name, else the id. */
  name: string;
  athlete: string | null;
  race_name: string | null;
  status: BoardStatus;
  rank: number;
  state: string;
  active: boolean;
  stop_reason: string | null;
  leg: Leg | null;
  /** Garmin's race clock at the newest point (its duration), else the time tracked. */
  elapsed_s: number | null;
  /** Garmin's cumulative distance of the newest point that has one. */
  distance_m: number | null;
  heart_rate: NowFigure;
  power: NowFigure;
  cadence: NowFigure;
  speed_mps: NowFigure;
  np_w: number | null;
  /** Decoupling of the current leg (Pw:HR on the bike, Pa:HR on the run). */
  decoupling_pct: number | null;
  eta: BoardEta | null;
  last_point_at: string | null;
  /** Wall-clock seconds since a new point arrived (active races only). */
  last_point_age_s: number | null;
  /** Race-time seconds standing still outside a transition (null while moving). */
  still_for_s: number | null;
  alerts_sent: number;
  points: number;
}

export interface BoardSnapshot {
  server_time: string;
  /** Active (and watched) athletes, worst status first. */
  active: BoardCard[];
  /** Finished races, newest start first. */
  finished: BoardCard[];
}

export interface CardInput {
  status: SessionStatus;
  /** The newest points (at least the last NOW_WINDOW_S), oldest first. */
  recent: readonly TrackpointRecord[];
  motion: MotionState;
  metrics: RaceMetricsSnapshot | null;
  course: CourseProgress | null;
  /** Garmin's upload period (metadata postTrackPointFrequency): polls never come faster than it. */
  postFrequencyS?: number | null;
}

const round = (v: number | null, digits = 0): number | null => {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** Mean of a field over the last NOW_WINDOW_S before the newest point; null when no point has it. */
export function recentMean(points: readonly TrackpointRecord[], field: 'heartRate' | 'power' | 'cadence' | 'speedMps'): number | null {
  if (!points.length) return null;
  const from = points[points.length - 1].time - NOW_WINDOW_S * 1000;
  let sum = 0;
  let n = 0;
  for (let i = points.length - 1; i >= 0 && points[i].time >= from; i--) {
    const v = points[i][field];
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n ? sum / n : null;
}

/** A value against the thresholds of one metric on a leg: over a max, under a min, or within. */
export function againstThresholds(value: number | null, leg: Leg | null, metric: Metric, thresholds: Partial<Thresholds>): NowFigure {
  const applying = leg ? thresholdsForLeg(leg, thresholds).filter((t) => t.metric === metric) : [];
  if (value === null || !applying.length) return { value, state: null, limit: null };
  const max = applying.find((t) => t.bound === 'max');
  const min = applying.find((t) => t.bound === 'min');
  if (max && value > max.value) return { value, state: 'over', limit: `${max.field} ${max.value}` };
  if (min && value < min.value) return { value, state: 'under', limit: `${min.field} ${min.value}` };
  return { value, state: 'ok', limit: applying.map((t) => `${t.field} ${t.value}`).join(', ') };
}

function etaOf(course: CourseProgress | null, newest: number | null): BoardEta | null {
  if (!course) return null;
  const inS = (iso: string | null) => (iso && newest !== null ? Math.max(0, Math.round((Date.parse(iso) - newest) / 1000)) : null);
  const next = course.next_checkpoint;
  return {
    finish: course.eta,
    finish_in_s: inS(course.eta),
    next_checkpoint: next ? { name: next.name, distance_to_go_m: Math.round(next.distance_to_go_m), eta: next.eta, eta_in_s: inS(next.eta) } : null,
    progress_pct: round(course.progress_pct, 1),
    distance_to_go_m: round(course.distance_to_go_m),
  };
}

/** One athlete's card. */
export function boardCard({ status, recent, motion, metrics, course, postFrequencyS }: CardInput): BoardCard {
  const newest = recent.length ? recent[recent.length - 1] : null;
  const leg: Leg | null = newest?.leg ?? ((status.current_leg as Leg | null) ?? null);
  const thresholds = status.thresholds as Partial<Thresholds>;
  let distance: number | null = null;
  let duration: number | null = null;
  for (let i = recent.length - 1; i >= 0 && (distance === null || duration === null); i--) {
    if (distance === null) distance = recent[i].distanceM;
    if (duration === null) duration = recent[i].durationS;
  }
  const hr = againstThresholds(round(recentMean(recent, 'heartRate')), leg, 'heart_rate', thresholds);
  const power = againstThresholds(round(recentMean(recent, 'power')), leg, 'power', thresholds);
  const cadence = againstThresholds(round(recentMean(recent, 'cadence')), leg, 'cadence', thresholds);
  const speed: NowFigure = { value: round(recentMean(recent, 'speedMps'), 2), state: null, limit: null };
  const outside = [hr, power, cadence].some((f) => f.state === 'over' || f.state === 'under');
  const stillFor = stillForS(motion);
  const status_ = boardStatus({
    active: status.active,
    watching: !status.active && status.watching_until !== null,
    staleS: status.stale_s,
    // The interval points can arrive at: the poll interval, or Garmin's upload period when longer.
    pollIntervalS: Math.max(status.race_config.poll_interval_secs, postFrequencyS ?? 0),
    stillForS: stillFor,
    outsideThreshold: outside,
  });
  const legMetrics = leg && metrics ? metrics.legs.find((l) => l.leg === leg) : undefined;
  return {
    session_id: status.session_id,
    name: status.athlete || status.race_name || status.session_id,
    athlete: status.athlete,
    race_name: status.race_name,
    status: status_,
    rank: statusRank(status_),
    state: status.state,
    active: status.active,
    stop_reason: status.stop_reason,
    leg,
    elapsed_s: duration ?? status.elapsed_s,
    distance_m: round(distance),
    heart_rate: hr,
    power,
    cadence,
    speed_mps: speed,
    np_w: round(metrics?.race.np_w ?? null),
    decoupling_pct: round(legMetrics?.decoupling_pct ?? null, 1),
    eta: etaOf(course, newest?.time ?? null),
    last_point_at: status.last_point_at,
    last_point_age_s: status.stale_s,
    still_for_s: stillFor === null ? null : Math.round(stillFor),
    alerts_sent: status.alerts_sent,
    points: status.points,
  };
}

/**
 * The whole board: athletes still followed (active, or watched after a stale stop) sorted worst
 * first, finished races below in the order given (newest start first).
 */
export function boardSnapshot(cards: BoardCard[], now = Date.now()): BoardSnapshot {
  const active = cards.filter((c) => c.status !== 'finished').sort(compareCards);
  const finished = cards.filter((c) => c.status === 'finished');
  return { server_time: new Date(now).toISOString(), active, finished };
}
