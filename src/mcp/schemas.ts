// Tool input and output schemas. For Claude these descriptions are the user interface: say what a
// field means, its unit and when to leave it out.
import { z } from 'zod';

export const SESSION_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

const sessionIdField = z
  .string()
  .regex(SESSION_ID_PATTERN, 'session_id must be a LiveTrack session id (letters, digits and "-"): call list_races to see them');

/** session_id where it may be left out when exactly one session is active. */
export const optionalSessionId = sessionIdField
  .optional()
  .describe(
    'LiveTrack session id (as returned by start_tracking or list_races). Leave it out when exactly one race is being tracked; ' +
      'when several are active the tool answers with their ids so you can choose.',
  );

const bpm = (what: string) => z.int().min(1).max(250).optional().describe(`${what}, beats per minute (bpm)`);
const watts = (what: string) => z.int().min(1).max(3000).optional().describe(`${what}, watts`);

/** The eight threshold fields (contract names), shared by race_config and update_thresholds. */
export const thresholdShape = {
  hr_max: bpm('Bike heart-rate ceiling: alert when heart rate on the bike goes above it'),
  hr_min: bpm('Bike heart-rate floor: alert when heart rate on the bike drops below it'),
  power_max: watts('Bike power ceiling: alert when power goes above it'),
  power_min: watts('Bike power floor: alert when power drops below it'),
  cadence_min: z.int().min(1).max(300).optional().describe('Bike cadence floor, revolutions per minute (rpm)'),
  run_hr_max: bpm('Run heart-rate ceiling'),
  run_hr_min: bpm('Run heart-rate floor'),
  run_cadence_min: z.int().min(1).max(300).optional().describe('Run cadence floor, steps per minute (spm; both feet)'),
};

const positive = (what: string, max: number) => z.number().positive().max(max).nullable().optional().describe(what);

/** Athlete physiology and fuelling (coaching metrics); null clears a value. */
export const physiologyShape = {
  ftp_w: positive('Functional threshold power, watts (for IF, TSS and power zones)', 2000),
  cp_w: positive('Critical power, watts (for W′ balance)', 2000),
  w_prime_j: positive('W′, the work capacity above critical power, joules (e.g. 20000)', 100000),
  lthr_bpm: positive('Lactate threshold heart rate on the bike, bpm (for HR zones)', 250),
  run_lthr_bpm: positive('Lactate threshold heart rate on the run, bpm (falls back to lthr_bpm)', 250),
  max_hr_bpm: positive('Maximum heart rate, bpm', 250),
  threshold_pace_s_per_km: positive('Threshold running pace, seconds per km', 1200),
  weight_kg: positive('Body weight, kg', 300),
  fuel_every_min: positive('Moving minutes on bike and run between fuelling reminders; null = off', 600),
  w_bal_alert_pct: positive('Alert on the bike when W′ balance falls below this share of W′, percent (needs cp_w, w_prime_j); null = off', 100),
  decoupling_alert_pct: positive('Alert on the run when aerobic decoupling rises above this, percent (5 is the classic warning sign); null = off', 100),
};

export const raceConfigSchema = z
  .strictObject({
    race_name: z.string().max(200).optional().describe('Name to show for the race, e.g. "Ironman 70.3 Nice"'),
    race_type: z
      .enum(['triathlon', 'bike', 'run', 'other'])
      .optional()
      .describe('Kind of race; decides which thresholds apply on which leg (default triathlon)'),
    ...thresholdShape,
    poll_interval_secs: z.int().min(1).max(3600).optional().describe('Seconds between Garmin polls (default 60)'),
    analyze_interval_secs: z.int().min(1).max(86400).optional().describe('Seconds between automatic analysis cycles (default 600)'),
    analyze_window_min: z.int().min(1).max(1440).optional().describe('Minutes of data each analysis looks at (default 10)'),
    stale_stop_min: z.number().min(0.01).max(1440).optional().describe('Stop tracking when no new point arrived for this many minutes (default 15)'),
    min_elapsed_min: z.number().min(0).max(2880).optional().describe('Never stop for staleness before this many minutes of tracking (default 30)'),
    ...physiologyShape,
  })
  .describe('Race settings and alert thresholds; all optional. Bike thresholds apply on the bike leg, run_* on the run.');

export const startTrackingInput = z.strictObject({
  url: z
    .string()
    .min(8)
    .max(2000)
    .describe(
      'The Garmin LiveTrack share link the athlete sent (https://livetrack.garmin.com/session/<id>/token/<token> or a gar.mn short link). ' +
        'If the user has not given one, ask for it; never invent it.',
    ),
  race_config: raceConfigSchema.optional(),
});

export const sessionOnlyInput = z.strictObject({ session_id: optionalSessionId });

export const recentDataInput = z.strictObject({
  session_id: optionalSessionId,
  minutes: z
    .number()
    .positive()
    .max(1440)
    .optional()
    .describe('How many minutes of data to return, counted back from the newest point (default 10). Long windows come back averaged into time buckets.'),
});

/** Thresholds and, mid-race, the physiology/fuelling/metric-alert fields of race_config (null clears). */
export const updateThresholdsInput = z.strictObject({ session_id: optionalSessionId, ...thresholdShape, ...physiologyShape });

/**
 * What update_thresholds and send_coaching_message do, in the words Claude reads: shared by the
 * MCP tools and the tools offered in an Anthropic analysis cycle.
 */
export const TOOL_DESCRIPTIONS = {
  update_thresholds:
    'Change alert thresholds of a tracked race; they apply from the next poll. Give only the fields to change: hr_* and run_hr_* ' +
    'in bpm, power_* in watts, cadence_min in rpm (bike), run_cadence_min in steps/min. Each min must not exceed its max. ' +
    "The same call corrects the athlete's physiology mid-race (ftp_w, cp_w, w_prime_j, lthr_bpm, …), fuel_every_min and the " +
    'optional metric alerts (w_bal_alert_pct, decoupling_alert_pct); null clears a field.',
  send_coaching_message:
    'Send a short coaching message to the athlete on Telegram (e.g. "HR 152 for 8 min, cap is 144: ease off to ~150 W"). ' +
    'Keep it to one or two sentences they can read mid-race. Needs Telegram configured on the server.',
} as const;

export const sendCoachingInput = z.strictObject({
  text: z.string().trim().min(1).max(4096).describe('The message for the athlete: short, concrete, readable at a glance mid-race (one or two sentences).'),
  chat_id: z
    .string()
    .regex(/^(-?\d+|@[A-Za-z0-9_]{4,})$/, 'chat_id must be a numeric Telegram chat id or @channelname')
    .optional()
    .describe('Telegram chat id; leave it out to use the configured default chat (TELEGRAM_CHAT_ID).'),
});

export const noInput = z.strictObject({});

export const summaryInput = z.strictObject({
  session_id: sessionIdField.describe('LiveTrack session id of the race (live or finished; see list_races)'),
});

// ---- outputs (structuredContent). Loose objects: fields may be added without breaking clients.

const nullableNumber = z.number().nullable();
const nullableString = z.string().nullable();

export const thresholdsOutput = z
  .looseObject({
    hr_max: nullableNumber, hr_min: nullableNumber, power_max: nullableNumber, power_min: nullableNumber,
    cadence_min: nullableNumber, run_hr_max: nullableNumber, run_hr_min: nullableNumber, run_cadence_min: nullableNumber,
  })
  .describe('Effective thresholds; null means not set');

export const courseProgressOutput = z.looseObject({
  distance_m: z.number(),
  distance_done_m: nullableNumber,
  distance_to_go_m: nullableNumber,
  progress_pct: nullableNumber,
  off_course_m: nullableNumber.describe('Metres from the position to its projection on the course'),
  eta: nullableString.describe('Finish ETA (ISO), at the speed of the last 10 minutes'),
  next_checkpoint: z.looseObject({ name: z.string(), distance_to_go_m: z.number(), eta: nullableString }).nullable(),
});

export const statusOutput = z.looseObject({
  session_id: z.string(),
  url: z.string().describe('Share URL with its token redacted'),
  active: z.boolean(),
  state: z.enum(['active', 'finished', 'stopped']),
  poll_state: z.string(),
  stop_reason: nullableString,
  stop_detail: nullableString,
  watching_until: nullableString.describe('After a stale/gone stop: watching Garmin for new points until then'),
  revivals: z.number(),
  points_source: z.enum(['api', 'page']),
  race_name: nullableString,
  race_type: z.string(),
  athlete: nullableString,
  previous_session_id: nullableString.optional().describe('The session this one continues (watch restarted mid-race)'),
  next_session_id: nullableString.optional().describe('The session that continues this one'),
  started_at: z.string(),
  stopped_at: nullableString,
  elapsed_s: z.number(),
  stale_s: nullableNumber.describe('Seconds since a new point last arrived'),
  last_point_at: nullableString,
  points: z.number(),
  poll_errors: z.number(),
  last_error: nullableString,
  thresholds: thresholdsOutput,
  current_leg: nullableString,
  analysis: z.looseObject({ runs: z.number(), errors: z.number(), last_at: nullableString, last_result: nullableString }),
  alerts_sent: z.number(),
  course: courseProgressOutput.nullable().optional().describe('Progress along the planned course; null when the race has no course'),
});

export const startOutput = z.looseObject({
  created: z.boolean().describe('false when the race was already being tracked'),
  status: statusOutput,
});

export const raceListOutput = z.looseObject({
  count: z.number(),
  active: z.number(),
  races: z.array(
    z.looseObject({
      session_id: z.string(),
      race_name: nullableString,
      race_type: z.string(),
      athlete: nullableString,
      state: z.string(),
      active: z.boolean(),
      stop_reason: nullableString,
      started_at: z.string(),
      stopped_at: nullableString,
      last_point_at: nullableString,
      points: z.number(),
    }),
  ),
});

const metric = z.looseObject({ avg: nullableNumber, min: nullableNumber, max: nullableNumber, last: nullableNumber });

export const recentDataOutput = z.looseObject({
  session_id: z.string(),
  minutes: z.number(),
  from: nullableString,
  to: nullableString,
  current_leg: nullableString,
  points: z.number().describe('Raw points in the window'),
  returned: z.number().describe('Entries in series'),
  downsampled: z.boolean(),
  bucket_s: nullableNumber,
  note: nullableString,
  legs: z
    .array(
      z.looseObject({
        leg: z.string(),
        from: z.string(),
        to: z.string(),
        points: z.number(),
        heart_rate: metric,
        power: metric,
        cadence: metric,
        speed_mps: metric,
        time_over_thresholds_s: z.record(z.string(), z.number()),
      }),
    )
    .describe('Statistics over every raw point of the window, per leg (cadence is rpm on the bike, steps/min on the run)'),
  thresholds: thresholdsOutput,
  series: z.array(
    z.looseObject({
      time: z.string(),
      leg: z.string(),
      heart_rate: nullableNumber,
      power: nullableNumber,
      cadence: nullableNumber,
      speed_mps: nullableNumber,
      distance_m: nullableNumber,
      altitude_m: nullableNumber,
      samples: z.number(),
    }),
  ),
});

export const thresholdUpdateOutput = z.looseObject({
  session_id: z.string(),
  thresholds: thresholdsOutput,
  coaching: z.record(z.string(), nullableNumber).describe('Physiology, fuelling and metric-alert settings now in race_config'),
  changed: z.array(z.string()),
  updated_at: z.string(),
  updated_by: z.string(),
});

export const analysisOutput = z.looseObject({ job_id: z.string(), session_id: z.string() });

export const coachingOutput = z.looseObject({ delivered: z.boolean(), chat_id: z.string(), message_id: z.number() });

const figures = z.looseObject({ avg: nullableNumber, max: nullableNumber });
const overThresholds = z.record(z.string(), z.number());

export const summaryOutput = z.looseObject({
  session_id: z.string(),
  race_name: nullableString,
  race_type: z.string(),
  state: z.string(),
  active: z.boolean(),
  stop_reason: nullableString,
  first_point_at: nullableString,
  last_point_at: nullableString,
  totals: z.looseObject({
    duration_s: z.number(),
    distance_m: nullableNumber,
    points: z.number(),
    heart_rate: figures,
    power: figures,
    cadence_bike_rpm: figures,
    cadence_run_spm: figures,
    time_over_thresholds_s: overThresholds,
  }),
  legs: z.array(
    z.looseObject({
      leg: z.string(),
      started_at: z.string(),
      ended_at: z.string(),
      duration_s: z.number(),
      distance_m: nullableNumber,
      heart_rate: figures,
      power: figures,
      cadence: figures,
      time_over_thresholds_s: overThresholds,
    }),
  ),
  thresholds: thresholdsOutput,
  alerts_sent: z.number(),
  analysis: z.looseObject({ runs: z.number(), errors: z.number(), last_at: nullableString, last_result: nullableString }),
});

const metricsObject = z.looseObject({
  duration_s: nullableNumber, moving_s: nullableNumber, distance_m: nullableNumber, avg_power_w: nullableNumber, np_w: nullableNumber,
  vi: nullableNumber, if: nullableNumber, tss: nullableNumber, avg_hr_bpm: nullableNumber, max_hr_bpm: nullableNumber,
  decoupling_pct: nullableNumber, avg_speed_mps: nullableNumber, avg_pace_s_per_km: nullableNumber,
  time_in_hr_zones_s: z.array(z.number()).nullable(), time_in_power_zones_s: z.array(z.number()).nullable(),
  w_bal_min_j: nullableNumber, w_bal_now_j: nullableNumber,
});

/** get_race_summary: the summary plus the same coaching metrics and course progress as get_race_metrics. */
export const summaryWithMetricsOutput = summaryOutput.extend({
  metrics: z.looseObject({ race: metricsObject, legs: z.array(metricsObject.extend({ leg: z.string() })) }),
  course: courseProgressOutput.nullable(),
  analyses: z
    .looseObject({
      cycles: z.number(),
      by_outcome: z.record(z.string(), z.number()),
      tool_calls: z.number(),
      input_tokens: z.number(),
      output_tokens: z.number(),
    })
    .describe('Stored analysis cycles: counts by outcome, tool calls made, tokens spent'),
});

export const metricsOutput = z.looseObject({
  session_id: z.string(),
  computed_at: z.string(),
  race: metricsObject,
  legs: z.array(metricsObject.extend({ leg: z.string() })),
  course: courseProgressOutput.nullable(),
});
