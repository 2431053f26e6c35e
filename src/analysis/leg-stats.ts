// Per-leg figures from stored trackpoints: used by the analysis prompt, the race summary and the
// alert rules. Pure functions over TrackpointRecord[] (oldest first).
import { Thresholds } from '../control/thresholds';
import { Leg, TrackpointRecord } from '../storage/trackpoint.types';

export type Metric = 'heart_rate' | 'power' | 'cadence';

export interface LegThreshold {
  field: keyof Thresholds;
  metric: Metric;
  bound: 'max' | 'min';
  value: number;
}

/** Which thresholds apply on a leg: bike fields on the bike, run_* on the run, none elsewhere. */
export function thresholdsForLeg(leg: Leg, thresholds: Partial<Thresholds>): LegThreshold[] {
  const table: Array<[keyof Thresholds, Metric, 'max' | 'min']> =
    leg === 'bike'
      ? [['hr_max', 'heart_rate', 'max'], ['hr_min', 'heart_rate', 'min'], ['power_max', 'power', 'max'], ['power_min', 'power', 'min'], ['cadence_min', 'cadence', 'min']]
      : leg === 'run'
        ? [['run_hr_max', 'heart_rate', 'max'], ['run_hr_min', 'heart_rate', 'min'], ['run_cadence_min', 'cadence', 'min']]
        : [];
  const out: LegThreshold[] = [];
  for (const [field, metric, bound] of table) {
    const value = thresholds[field];
    if (typeof value === 'number') out.push({ field, metric, bound, value });
  }
  return out;
}

export interface SeriesStats {
  avg: number | null;
  min: number | null;
  max: number | null;
  last: number | null;
  samples: number;
}

export interface LegSummary {
  leg: Leg;
  from: number;
  to: number;
  duration_s: number;
  distance_m: number | null;
  points: number;
  heart_rate: SeriesStats;
  power: SeriesStats;
  cadence: SeriesStats;
  speed_mps: SeriesStats;
  elevation_gain_m: number | null;
  /** Seconds outside each applicable threshold, keyed by threshold field (e.g. hr_max). */
  time_outside_s: Record<string, number>;
  /** Stretches with no point for longer than GAP_S. */
  gaps: { count: number; total_s: number };
}

/** A silence longer than this between points is a data gap, not continuous riding. */
export const GAP_S = 60;

export function seriesStats(values: Array<number | null>): SeriesStats {
  let sum = 0;
  let n = 0;
  let min: number | null = null;
  let max: number | null = null;
  let last: number | null = null;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    n++;
    min = min === null || v < min ? v : min;
    max = max === null || v > max ? v : max;
    last = v;
  }
  return { avg: n ? Math.round((sum / n) * 10) / 10 : null, min, max, last, samples: n };
}

/** Splits points into consecutive legs (in time order) and summarises each. */
export function summarizeLegs(points: TrackpointRecord[], thresholds: Partial<Thresholds>): LegSummary[] {
  const legs: TrackpointRecord[][] = [];
  for (const p of points) {
    const current = legs[legs.length - 1];
    if (current && current[0].leg === p.leg) current.push(p);
    else legs.push([p]);
  }
  return legs.map((legPoints) => summarizeLeg(legPoints, thresholds));
}

export function summarizeLeg(points: TrackpointRecord[], thresholds: Partial<Thresholds>): LegSummary {
  const leg = points[0].leg;
  const first = points[0];
  const last = points[points.length - 1];
  const distances = points.map((p) => p.distanceM).filter((d): d is number => d !== null);
  const applicable = thresholdsForLeg(leg, thresholds);
  const outside: Record<string, number> = Object.fromEntries(applicable.map((t) => [t.field, 0]));
  let gainM = 0;
  let hasAltitude = false;
  let prevAlt: number | null = null;
  const gaps = { count: 0, total_s: 0 };

  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p.altitudeM !== null) {
      if (prevAlt !== null && p.altitudeM > prevAlt) gainM += p.altitudeM - prevAlt;
      prevAlt = p.altitudeM;
      hasAltitude = true;
    }
    const next = points[i + 1];
    if (!next) continue;
    const dt = (next.time - p.time) / 1000;
    if (dt > GAP_S) {
      gaps.count++;
      gaps.total_s += Math.round(dt);
      continue; // a gap says nothing about time spent outside a threshold
    }
    for (const t of applicable) {
      const v = p[metricKey(t.metric)];
      if (v !== null && (t.bound === 'max' ? v > t.value : v < t.value)) outside[t.field] += dt;
    }
  }
  for (const key of Object.keys(outside)) outside[key] = Math.round(outside[key]);

  return {
    leg,
    from: first.time,
    to: last.time,
    duration_s: Math.round((last.time - first.time) / 1000),
    distance_m: distances.length ? Math.round(distances[distances.length - 1] - distances[0]) : null,
    points: points.length,
    heart_rate: seriesStats(points.map((p) => p.heartRate)),
    power: seriesStats(points.map((p) => p.power)),
    cadence: seriesStats(points.map((p) => p.cadence)),
    speed_mps: seriesStats(points.map((p) => (p.speedMps === null ? null : Math.round(p.speedMps * 100) / 100))),
    elevation_gain_m: hasAltitude ? Math.round(gainM) : null,
    time_outside_s: outside,
    gaps,
  };
}

export function metricKey(metric: Metric): 'heartRate' | 'power' | 'cadence' {
  return metric === 'heart_rate' ? 'heartRate' : metric;
}
