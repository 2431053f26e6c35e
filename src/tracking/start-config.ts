import { InputError } from '../common/errors';
import { mergeThresholds, pickThresholds, Thresholds } from '../control/thresholds';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { RACE_CONFIG_DEFAULTS, RaceConfig, resolveRaceConfig } from './race-config';

export interface StartConfig {
  thresholds: Thresholds;
  raceConfig: RaceConfig;
  /** The input set at least one threshold (the session records who set them and when). */
  thresholdsChanged: boolean;
}

/**
 * What a start makes of a race_config input: its thresholds over the session's current ones (every
 * min ≤ max pair checked) and the race_config with defaults filled in. Used by a start and by a
 * session matched to an athlete after it started, so both apply a race_config the same way.
 */
export function startConfig(currentThresholds: Partial<Thresholds>, input: Record<string, unknown>): StartConfig {
  const requested = pickThresholds(input);
  const { thresholds, errors } = mergeThresholds(currentThresholds, requested);
  if (errors.length) throw new InputError(`race_config: ${errors.join('; ')}`, ['race_config']);
  return { thresholds, raceConfig: resolveRaceConfig(input), thresholdsChanged: Object.keys(requested).length > 0 };
}

/** The race_config a start uses: the caller's own, or the athlete's when the caller gave none. */
export function raceConfigInputFor(given: Record<string, unknown>, athlete: { race_config: Record<string, unknown> } | null): Record<string, unknown> {
  const givenAny = Object.values(given).some((v) => v !== undefined);
  return !givenAny && athlete ? { ...athlete.race_config } : given;
}

/**
 * Whether a session still runs on nothing but the defaults: started without a race_config and
 * nothing changed since (no threshold, physiology or fuelling update). Only then may an athlete
 * matched later bring their race_config, as if it had been given at start.
 */
export function runsOnDefaults(session: Pick<RaceSessionEntity, 'raceConfig' | 'thresholds' | 'thresholdsUpdatedBy'>): boolean {
  if (session.thresholdsUpdatedBy !== null) return false;
  if (Object.values(session.thresholds ?? {}).some((v) => v !== null && v !== undefined)) return false;
  const config = resolveRaceConfig(session.raceConfig ?? {});
  return (Object.keys(RACE_CONFIG_DEFAULTS) as Array<keyof RaceConfig>).every((k) => config[k] === RACE_CONFIG_DEFAULTS[k]);
}
