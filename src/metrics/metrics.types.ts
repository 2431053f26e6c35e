// Types of the coaching metrics (definitions: shared/docs/coaching-metrics.md).
import type { Leg } from '../storage/trackpoint.types';

/** Athlete physiology from race_config; a missing, non-finite or non-positive value counts as absent. */
export interface Physiology {
  ftp_w?: number | null;
  cp_w?: number | null;
  w_prime_j?: number | null;
  lthr_bpm?: number | null;
  run_lthr_bpm?: number | null;
  max_hr_bpm?: number | null;
  threshold_pace_s_per_km?: number | null;
  weight_kg?: number | null;
}

/** The contract's Metrics object: null where the data or the physiology needed is missing. */
export interface Metrics {
  duration_s: number | null;
  moving_s: number | null;
  distance_m: number | null;
  avg_power_w: number | null;
  np_w: number | null;
  vi: number | null;
  if: number | null;
  tss: number | null;
  avg_hr_bpm: number | null;
  max_hr_bpm: number | null;
  decoupling_pct: number | null;
  avg_speed_mps: number | null;
  avg_pace_s_per_km: number | null;
  /** Friel Z1..Z5, seconds. */
  time_in_hr_zones_s: number[] | null;
  /** Coggan Z1..Z7, seconds. */
  time_in_power_zones_s: number[] | null;
  w_bal_min_j: number | null;
  w_bal_now_j: number | null;
}

export type LegMetrics = { leg: Leg } & Metrics;

export interface RaceMetricsSnapshot {
  race: Metrics;
  /** One entry per leg seen, in the order the legs first appeared. */
  legs: LegMetrics[];
}

/** The Metrics field names, in contract order (handy for DTOs and tests). */
export const METRIC_FIELDS: ReadonlyArray<keyof Metrics> = [
  'duration_s', 'moving_s', 'distance_m', 'avg_power_w', 'np_w', 'vi', 'if', 'tss', 'avg_hr_bpm',
  'max_hr_bpm', 'decoupling_pct', 'avg_speed_mps', 'avg_pace_s_per_km', 'time_in_hr_zones_s',
  'time_in_power_zones_s', 'w_bal_min_j', 'w_bal_now_j',
];
