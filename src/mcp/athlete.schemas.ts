// set_athlete / list_athletes inputs and outputs. race_config is start_tracking's own schema, so
// the tool offers exactly the fields and bounds a start accepts (REST checks the same with RaceConfigDto).
import { z } from 'zod';
import { ATHLETE_KEY_PATTERN } from '../athletes/athlete-input';
import { TELEGRAM_CHAT_ID_PATTERN } from '../telegram/telegram.client';
import { raceConfigSchema } from './schemas';

export const setAthleteInput = z.strictObject({
  key: z
    .string()
    .regex(ATHLETE_KEY_PATTERN, 'key must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')
    .describe('Short id for the athlete, chosen by the coach (e.g. "zoe"); setting an existing key replaces that athlete'),
  display_name: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe("The athlete's name exactly as it shows in Garmin (their Garmin Connect display name); matched ignoring case and accents"),
  race_config: raceConfigSchema
    .optional()
    .describe("Default race settings for this athlete's races started without their own (thresholds, physiology, fuelling)"),
  telegram_chat_id: z
    .string()
    .regex(TELEGRAM_CHAT_ID_PATTERN, 'telegram_chat_id must be a numeric Telegram chat id or @channelname')
    .optional()
    .describe("Telegram chat for this athlete's alerts and coaching messages; leave it out to use the server's default chat"),
});

const athleteOutput = z.looseObject({
  key: z.string(),
  display_name: z.string(),
  race_config: z.record(z.string(), z.unknown()),
  telegram_chat_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const setAthleteOutput = athleteOutput;
export const athleteListOutput = z.looseObject({ count: z.number(), athletes: z.array(athleteOutput) });
