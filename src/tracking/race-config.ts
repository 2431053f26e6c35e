import { RaceType } from '../storage/trackpoint.types';

/** race_config as stored on a session, defaults filled in (see contract.md). */
export interface RaceConfig {
  race_name: string | null;
  race_type: RaceType;
  poll_interval_secs: number;
  analyze_interval_secs: number;
  analyze_window_min: number;
  stale_stop_min: number;
  min_elapsed_min: number;
  /** Athlete physiology (../shared/docs/coaching-metrics.md); null = unknown, the figures needing it are null. */
  ftp_w: number | null;
  cp_w: number | null;
  w_prime_j: number | null;
  lthr_bpm: number | null;
  run_lthr_bpm: number | null;
  max_hr_bpm: number | null;
  threshold_pace_s_per_km: number | null;
  weight_kg: number | null;
  /** Moving minutes between fuelling reminders; null = off. */
  fuel_every_min: number | null;
  /** Optional metric alerts (off when null): W′ balance below this % of W′ on the bike, run decoupling above this %. */
  w_bal_alert_pct: number | null;
  decoupling_alert_pct: number | null;
}

/** The physiology fields of race_config, in contract order. */
export const PHYSIOLOGY_FIELDS = ['ftp_w', 'cp_w', 'w_prime_j', 'lthr_bpm', 'run_lthr_bpm', 'max_hr_bpm', 'threshold_pace_s_per_km', 'weight_kg'] as const;

/** race_config fields that POST /control and update_thresholds may change mid-race besides the thresholds. */
export const COACHING_FIELDS = [...PHYSIOLOGY_FIELDS, 'fuel_every_min', 'w_bal_alert_pct', 'decoupling_alert_pct'] as const;
export type CoachingField = (typeof COACHING_FIELDS)[number];

export const RACE_CONFIG_DEFAULTS: RaceConfig = {
  race_name: null,
  race_type: 'triathlon',
  poll_interval_secs: 60,
  analyze_interval_secs: 600,
  analyze_window_min: 10,
  stale_stop_min: 15,
  min_elapsed_min: 30,
  ftp_w: null,
  cp_w: null,
  w_prime_j: null,
  lthr_bpm: null,
  run_lthr_bpm: null,
  max_hr_bpm: null,
  threshold_pace_s_per_km: null,
  weight_kg: null,
  fuel_every_min: null,
  w_bal_alert_pct: null,
  decoupling_alert_pct: null,
};

export function resolveRaceConfig(input: Partial<Record<string, unknown>> = {}): RaceConfig {
  const config = { ...RACE_CONFIG_DEFAULTS };
  for (const key of Object.keys(RACE_CONFIG_DEFAULTS) as Array<keyof RaceConfig>) {
    const value = input[key];
    if (value !== undefined && value !== null) (config as Record<string, unknown>)[key] = value;
  }
  return config;
}
