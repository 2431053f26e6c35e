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
}

export const RACE_CONFIG_DEFAULTS: RaceConfig = {
  race_name: null,
  race_type: 'triathlon',
  poll_interval_secs: 60,
  analyze_interval_secs: 600,
  analyze_window_min: 10,
  stale_stop_min: 15,
  min_elapsed_min: 30,
};

export function resolveRaceConfig(input: Partial<Record<string, unknown>> = {}): RaceConfig {
  const config = { ...RACE_CONFIG_DEFAULTS };
  for (const key of Object.keys(RACE_CONFIG_DEFAULTS) as Array<keyof RaceConfig>) {
    const value = input[key];
    if (value !== undefined && value !== null) (config as Record<string, unknown>)[key] = value;
  }
  return config;
}
