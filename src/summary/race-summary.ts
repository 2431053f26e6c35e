// The race summary, built from a session row and its stored points. Pure: the service loads, this
// computes, so finished races (history from SQLite) and live ones answer the same way.
import { summarizeLegs, seriesStats } from '../analysis/leg-stats';
import { EMPTY_THRESHOLDS, Thresholds } from '../control/thresholds';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { resolveRaceConfig } from '../tracking/race-config';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface MetricFigures {
  avg: number | null;
  max: number | null;
}

export interface LegFigures {
  leg: string;
  started_at: string;
  ended_at: string;
  duration_s: number;
  distance_m: number | null;
  points: number;
  /** bpm */
  heart_rate: MetricFigures;
  /** watts */
  power: MetricFigures;
  /** rpm on the bike, steps per minute on the run */
  cadence: MetricFigures;
  speed_mps: MetricFigures;
  elevation_gain_m: number | null;
  /** Seconds spent beyond each threshold that applies on this leg, keyed by threshold field. */
  time_over_thresholds_s: Record<string, number>;
  gaps: { count: number; total_s: number };
}

export interface RaceSummary {
  session_id: string;
  race_name: string | null;
  race_type: string;
  athlete: string | null;
  state: string;
  active: boolean;
  stop_reason: string | null;
  stop_detail: string | null;
  tracking_started_at: string;
  tracking_stopped_at: string | null;
  /** Race time of the first and last stored point. */
  first_point_at: string | null;
  last_point_at: string | null;
  totals: {
    duration_s: number;
    distance_m: number | null;
    points: number;
    heart_rate: MetricFigures;
    power: MetricFigures;
    cadence_bike_rpm: MetricFigures;
    cadence_run_spm: MetricFigures;
    time_over_thresholds_s: Record<string, number>;
  };
  legs: LegFigures[];
  thresholds: Thresholds;
  alerts_sent: number;
  analysis: { runs: number; errors: number; last_at: string | null; last_result: string | null };
}

const figures = (values: Array<number | null>): MetricFigures => {
  const s = seriesStats(values);
  return { avg: s.avg, max: s.max };
};

export function buildRaceSummary(session: RaceSessionEntity, points: TrackpointRecord[]): RaceSummary {
  const thresholds: Thresholds = { ...EMPTY_THRESHOLDS, ...(session.thresholds as Partial<Thresholds>) };
  const legs = points.length ? summarizeLegs(points, thresholds) : [];
  const config = resolveRaceConfig(session.raceConfig);

  const over: Record<string, number> = {};
  for (const leg of legs) {
    for (const [field, s] of Object.entries(leg.time_outside_s)) over[field] = (over[field] ?? 0) + s;
  }
  const first = points[0] ?? null;
  const last = points[points.length - 1] ?? null;
  const distances = points.map((p) => p.distanceM).filter((d): d is number => d !== null);

  return {
    session_id: session.id,
    race_name: config.race_name ?? session.sessionName,
    race_type: config.race_type,
    athlete: session.athlete,
    state: session.state,
    active: session.state === 'active',
    stop_reason: session.stopReason,
    stop_detail: session.stopDetail,
    tracking_started_at: new Date(session.startedAt).toISOString(),
    tracking_stopped_at: iso(session.stoppedAt),
    first_point_at: first ? iso(first.time) : null,
    last_point_at: last ? iso(last.time) : null,
    totals: {
      duration_s: first && last ? Math.round((last.time - first.time) / 1000) : 0,
      // Garmin's distance is cumulative over the whole activity, transitions included.
      distance_m: distances.length ? Math.round(distances[distances.length - 1] - distances[0]) : null,
      points: points.length,
      heart_rate: figures(points.map((p) => p.heartRate)),
      power: figures(points.map((p) => p.power)),
      cadence_bike_rpm: figures(points.filter((p) => p.leg === 'bike').map((p) => p.cadence)),
      cadence_run_spm: figures(points.filter((p) => p.leg === 'run').map((p) => p.cadence)),
      time_over_thresholds_s: over,
    },
    legs: legs.map((l) => ({
      leg: l.leg,
      started_at: new Date(l.from).toISOString(),
      ended_at: new Date(l.to).toISOString(),
      duration_s: l.duration_s,
      distance_m: l.distance_m,
      points: l.points,
      heart_rate: { avg: l.heart_rate.avg, max: l.heart_rate.max },
      power: { avg: l.power.avg, max: l.power.max },
      cadence: { avg: l.cadence.avg, max: l.cadence.max },
      speed_mps: { avg: l.speed_mps.avg, max: l.speed_mps.max },
      elevation_gain_m: l.elevation_gain_m,
      time_over_thresholds_s: l.time_outside_s,
      gaps: l.gaps,
    })),
    thresholds,
    alerts_sent: session.alertsSent,
    analysis: {
      runs: session.analysisRuns,
      errors: session.analysisErrors,
      last_at: iso(session.lastAnalysisAt),
      last_result: session.lastAnalysisResult,
    },
  };
}
