import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { InputError } from '../common/errors';
import { flattenValidationErrors } from '../common/http-errors';
import { mergeThresholds, pickThresholds } from '../control/thresholds';
import { AthleteInput } from './athlete.types';
import { PutAthleteDto } from './dto/put-athlete.dto';

/** Athlete keys: short, URL-safe, chosen by the coach (e.g. "zoe", "team-a.bob"). */
export const ATHLETE_KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

export function checkAthleteKey(key: string): string {
  if (typeof key !== 'string' || !ATHLETE_KEY_PATTERN.test(key)) {
    throw new InputError(
      `key must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (got "${String(key).slice(0, 80)}")`,
      ['key'],
    );
  }
  return key;
}

/**
 * Validates a PUT /athletes/:key body with the very rules of POST /sessions (RaceConfigDto, the
 * same DTO class; unknown fields rejected) plus every min ≤ max threshold pair, as a start checks
 * them. Throws InputError naming each offending field.
 */
export async function validateAthleteInput(input: unknown): Promise<AthleteInput> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new InputError('the athlete must be a JSON object { display_name, race_config?, telegram_chat_id? }', ['display_name']);
  }
  const dto = plainToInstance(PutAthleteDto, input);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const { fields, details } = flattenValidationErrors(errors);
    throw new InputError(`Invalid athlete: ${details.join('; ')}`, fields);
  }
  // Plain JSON again (the DTO instances carry no behaviour worth storing).
  const raceConfig = JSON.parse(JSON.stringify(dto.race_config ?? {})) as Record<string, unknown>;
  const { errors: pairs } = mergeThresholds({}, pickThresholds(raceConfig));
  if (pairs.length) {
    const fields = Object.keys(raceConfig).filter((f) => pairs.some((e) => e.includes(f))).map((f) => `race_config.${f}`);
    throw new InputError(`Invalid athlete: race_config: ${pairs.join('; ')}`, fields);
  }
  return { display_name: dto.display_name.trim().replace(/\s+/g, ' '), race_config: raceConfig, telegram_chat_id: dto.telegram_chat_id ?? null };
}
