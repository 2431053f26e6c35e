// The analysis prompt sent to the Claude runner: the race's last window in figures, plus the
// seed's instructions for acting on it (POST /control, send a coaching message). Pure: same input,
// same text, so it is snapshot-tested.
import { describeMetrics } from '../metrics/describe-metrics';
import { describeCourse } from '../course/course-text';
import type { CourseProgress } from '../course/course.types';
import type { Physiology, RaceMetricsSnapshot } from '../metrics/metrics.types';
import { EMPTY_THRESHOLDS, THRESHOLD_FIELDS, Thresholds } from '../control/thresholds';
import { Leg, RaceType, TrackpointRecord } from '../storage/trackpoint.types';
import { LegSummary, seriesStats, SeriesStats, summarizeLegs, thresholdsForLeg } from './leg-stats';
import { duration } from '../common/format';

export interface AnalysisPromptInput {
  session: {
    id: string;
    raceName: string | null;
    raceType: RaceType;
    athlete: string | null;
    thresholdsUpdatedAt: number | null;
    thresholdsUpdatedBy: string | null;
  };
  windowMin: number;
  /** Points of the window (oldest first), ending at the newest stored point. */
  current: TrackpointRecord[];
  /** Points of the window before it, for trends. */
  previous: TrackpointRecord[];
  /** The race's first stored point, for elapsed time when Garmin sends no duration. */
  firstPoint: TrackpointRecord | null;
  thresholds: Partial<Thresholds>;
  /** Where this service answers, e.g. http://127.0.0.1:38100. */
  baseUrl: string;
  mcpPath: string;
  /** API_KEY is set: every request needs a bearer token (never put the key itself in a prompt). */
  authRequired: boolean;
  now: number;
  /** Coaching metrics of the whole race so far (coaching-metrics.md), with the physiology they used. */
  metrics?: { snapshot: RaceMetricsSnapshot; physiology: Physiology } | null;
  /** Progress along the planned course, when the session has one. */
  course?: CourseProgress | null;
  /**
   * How Claude acts: `http` (the claude-runner reaches this server over REST and MCP) or `tools`
   * (the Anthropic backend offers update_thresholds and send_coaching_message in the conversation).
   * Only the closing "What you can do" section differs.
   */
  actions?: 'http' | 'tools';
  /** The athlete's own Telegram chat (athlete profile), for the claude-runner's send_coaching_message; null = the server's default. */
  telegramChatId?: string | null;
}

const METRICS: Array<{ key: 'heart_rate' | 'power' | 'cadence'; label: string; record: 'heartRate' | 'power' | 'cadence' }> = [
  { key: 'heart_rate', label: 'Heart rate', record: 'heartRate' },
  { key: 'power', label: 'Power', record: 'power' },
  { key: 'cadence', label: 'Cadence', record: 'cadence' },
];

export function buildAnalysisPrompt(input: AnalysisPromptInput): string {
  const { session, current, now } = input;
  const thresholds: Thresholds = { ...EMPTY_THRESHOLDS, ...input.thresholds };
  const last = current[current.length - 1] ?? null;
  const raceName = session.raceName ?? 'unnamed race';
  const lines: string[] = [
    `You are the live coach of an athlete racing right now. Below is the last ${input.windowMin} minutes of their race data from Garmin LiveTrack, tracked by livetrack-mcp.`,
    'Read it, decide whether anything needs to change, and act only through the means listed at the end.',
    '',
    '## Race',
    `- Race: ${raceName} (${session.raceType})`,
    `- Session id: ${session.id}`,
  ];
  if (session.athlete) lines.push(`- Athlete: ${session.athlete}`);
  lines.push(`- Now: ${iso(now)}`);

  if (!last) {
    lines.push(
      `- No data in the last ${input.windowMin} minutes: the watch may not be sending yet, or LiveTrack is down.`,
      '',
      ...thresholdSection(thresholds, input),
      '',
      ...instructions(input),
    );
    return lines.join('\n');
  }

  const elapsedS = last.durationS ?? (input.firstPoint ? Math.round((last.time - input.firstPoint.time) / 1000) : null);
  const distance = lastNonNull(current.map((p) => p.distanceM));
  lines.push(
    `- Last data point: ${iso(last.time)} (${ago(now - last.time)})`,
    `- Elapsed race time: ${elapsedS === null ? 'unknown' : duration(elapsedS)}`,
    `- Current leg: ${last.leg}`,
    `- Distance so far: ${distance === null ? 'unknown' : `${(distance / 1000).toFixed(2)} km`}`,
    `- Window: ${iso(current[0].time)} → ${iso(last.time)}, ${current.length} points; previous window: ${input.previous.length} points`,
    '',
    '## The window, leg by leg',
  );

  for (const leg of summarizeLegs(current, thresholds)) {
    lines.push('', ...legSection(leg, input.previous.filter((p) => p.leg === leg.leg), thresholds));
  }
  if (input.metrics) lines.push('', ...metricsSection(input.metrics.snapshot, input.metrics.physiology));
  if (input.course) {
    lines.push('', '## Course', `- ${describeCourse(input.course)}`, '- ETAs assume the speed of the last 10 minutes holds; off course by more than ~100 m means a wrong turn or a detour.');
  }
  lines.push('', ...thresholdSection(thresholds, input), '', ...instructions(input));
  return lines.join('\n');
}

/** The coach's figures for the race so far, each with what it means in one line. */
function metricsSection(snapshot: RaceMetricsSnapshot, physiology: Physiology): string[] {
  const out = ['## Coaching metrics, race so far (null figures need more data or physiology in race_config)'];
  for (const leg of snapshot.legs) {
    const described = describeMetrics(leg, leg.leg, physiology);
    if (!described.length) continue;
    out.push(`### ${leg.leg}`, ...described.map((l) => `- ${l}`));
  }
  const race = describeMetrics(snapshot.race, 'race', physiology);
  if (snapshot.legs.length > 1 && race.length) out.push('### whole race', ...race.map((l) => `- ${l}`));
  return out;
}

function legSection(leg: LegSummary, previous: TrackpointRecord[], thresholds: Thresholds): string[] {
  const out = [
    `### ${leg.leg}: ${duration(leg.duration_s)}, ${leg.distance_m === null ? 'distance unknown' : `${(leg.distance_m / 1000).toFixed(2)} km`}, ` +
      `elevation gain ${leg.elevation_gain_m === null ? 'unknown' : `${leg.elevation_gain_m} m`}, ${leg.points} point${leg.points === 1 ? '' : 's'}`,
  ];
  const prevSpeed = seriesStats(previous.map((p) => p.speedMps));
  if (leg.speed_mps.samples > 0) {
    out.push(`- ${speedLine(leg.leg, leg.speed_mps, prevSpeed)}`);
  }
  for (const m of METRICS) {
    const stats = leg[m.key];
    if (stats.samples === 0) continue;
    const prev = seriesStats(previous.map((p) => p[m.record]));
    const unit = unitOf(m.key, leg.leg);
    out.push(
      `- ${m.label} (${unit}): avg ${stats.avg}, min ${stats.min}, max ${stats.max}, last ${stats.last}; ` +
        `trend vs previous window: ${trend(stats.avg, prev.avg)}`,
    );
  }
  const missing = METRICS.filter((m) => leg[m.key].samples === 0).map((m) => m.label.toLowerCase());
  if (missing.length) out.push(`- No ${missing.join(', ')} data in this leg`);

  const applicable = thresholdsForLeg(leg.leg, thresholds);
  if (applicable.length) {
    const parts = applicable.map(
      (t) => `${t.field} ${t.value}: ${leg.time_outside_s[t.field] ?? 0} s ${t.bound === 'max' ? 'above' : 'below'}`,
    );
    out.push(`- Time outside thresholds: ${parts.join('; ')}`);
  } else {
    out.push('- No thresholds apply to this leg');
  }
  out.push(`- Data gaps (> 60 s without a point): ${leg.gaps.count ? `${leg.gaps.count}, ${leg.gaps.total_s} s in total` : 'none'}`);
  return out;
}

function speedLine(leg: Leg, now: SeriesStats, prev: SeriesStats): string {
  const toKmh = (mps: number | null) => (mps === null ? null : mps * 3.6);
  const change = trend(toKmh(now.avg), toKmh(prev.avg), ' km/h');
  if (leg === 'run') {
    return `Pace: avg ${pace(now.avg, 1000)} /km, last ${pace(now.last, 1000)} /km; trend vs previous window: ${change}`;
  }
  if (leg === 'swim') {
    return `Pace: avg ${pace(now.avg, 100)} /100 m, last ${pace(now.last, 100)} /100 m; trend vs previous window: ${change}`;
  }
  return `Speed: avg ${kmh(now.avg)} km/h, max ${kmh(now.max)}, last ${kmh(now.last)}; trend vs previous window: ${change}`;
}

function thresholdSection(t: Thresholds, input: AnalysisPromptInput): string[] {
  const show = (fields: Array<keyof Thresholds>) => fields.map((f) => `${f} ${t[f] ?? 'not set'}`).join(', ');
  const out = [
    '## Current thresholds (alerts go to the athlete by themselves when one is breached for 30 s or more)',
    `- Bike: ${show(['hr_max', 'hr_min', 'power_max', 'power_min', 'cadence_min'])}`,
    `- Run: ${show(['run_hr_max', 'run_hr_min', 'run_cadence_min'])}`,
  ];
  if (input.session.thresholdsUpdatedAt !== null) {
    out.push(`- Last changed ${iso(input.session.thresholdsUpdatedAt)} by ${input.session.thresholdsUpdatedBy ?? 'unknown'}`);
  }
  return out;
}

function instructions(input: AnalysisPromptInput): string[] {
  if (input.actions === 'tools') return toolInstructions();
  const { baseUrl, session } = input;
  const auth = input.authRequired ? ` -H "Authorization: Bearer $API_KEY"` : '';
  return [
    '## What you can do',
    `1. Adjust thresholds when they no longer fit the athlete's state (fatigue, heat, climbs). POST ${baseUrl}/control, e.g.:`,
    `   curl -s -X POST ${baseUrl}/control -H 'Content-Type: application/json'${auth} -d '{"session_id":"${session.id}","hr_max":150}'`,
    `   Allowed fields: ${THRESHOLD_FIELDS.join(', ')} (positive integers; each min ≤ its max). Bike fields apply on the bike, run_* on the run.`,
    '   The answer holds the effective thresholds; the change applies from the next poll.',
    input.telegramChatId
      ? `2. Send the athlete a coaching message: call the MCP tool send_coaching_message with {"text": "...", "chat_id": ${JSON.stringify(input.telegramChatId)}}` +
        ` (MCP server at ${baseUrl}${input.mcpPath}; that chat_id is this athlete's own Telegram chat).`
      : '2. Send the athlete a coaching message: call the MCP tool send_coaching_message with {"text": "..."}' +
        ` (MCP server at ${baseUrl}${input.mcpPath}). The Telegram chat is configured on the server: do not pass a chat_id.`,
    '   One or two short sentences they can take in mid-effort: what to do, and why, from the figures above.',
    '3. If everything is on plan, do nothing. Do not message the athlete without a reason.',
    `Fresh data if you need it: GET ${baseUrl}/sessions/${session.id} and GET ${baseUrl}/sessions/${session.id}/points?minutes=${input.windowMin}` +
      (input.authRequired ? ' (with the same Authorization header: reads need the key too).' : '.'),
  ];
}

function toolInstructions(): string[] {
  return [
    '## What you can do',
    "1. Adjust thresholds when they no longer fit the athlete's state (fatigue, heat, climbs): call update_thresholds with only the fields to change.",
    `   Threshold fields: ${THRESHOLD_FIELDS.join(', ')} (positive integers; each min ≤ its max). Bike fields apply on the bike, run_* on the run.`,
    '   The change applies from the next poll; the tool answers with the effective thresholds.',
    '2. Send the athlete a coaching message: call send_coaching_message with {"text": "..."} and no chat_id (the chat is configured on the server).',
    '   One or two short sentences they can take in mid-effort: what to do, and why, from the figures above.',
    '3. If everything is on plan, do nothing. Do not message the athlete without a reason.',
    'Both tools act on this race only. End with a short analysis (two or three sentences) for the coach.',
  ];
}

function unitOf(metric: 'heart_rate' | 'power' | 'cadence', leg: Leg): string {
  if (metric === 'heart_rate') return 'bpm';
  if (metric === 'power') return 'W';
  return leg === 'run' ? 'steps/min' : leg === 'swim' ? 'strokes/min' : 'rpm';
}

/** "+3.1 (rising)", "-0.4 (steady)", or "no previous data". Within 1% counts as steady. */
function trend(now: number | null, prev: number | null, unit = ''): string {
  if (now === null || prev === null) return 'no previous data';
  const delta = Math.round((now - prev) * 10) / 10;
  const word = Math.abs(delta) <= Math.abs(prev) * 0.01 ? 'steady' : delta > 0 ? 'rising' : 'falling';
  return `${delta > 0 ? '+' : ''}${delta}${unit} (${word})`;
}

function lastNonNull(values: Array<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i];
  return null;
}

function kmh(mps: number | null): string {
  return mps === null ? '—' : (mps * 3.6).toFixed(1);
}

/** Time per `meters` at `mps`, as m:ss. */
function pace(mps: number | null, meters: number): string {
  if (mps === null || mps <= 0) return '—';
  const s = Math.round(meters / mps);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  // Replays of old races: a day count reads better than thousands of hours.
  return s >= 86_400 ? `${Math.floor(s / 86_400)} days ago` : `${duration(s)} ago`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
