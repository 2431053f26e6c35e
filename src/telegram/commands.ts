// Telegram bot commands as plain functions: parsing a message, choosing the race it means, and the
// words of every reply. No Nest, no I/O: TelegramCommandsService fetches the data and sends.
import type { CourseProgress } from '../course/course.types';
import type { Thresholds } from '../control/thresholds';
import type { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import type { RaceConfig } from '../tracking/race-config';

export const COMMAND_NAMES = ['status', 'mute', 'unmute', 'thresholds', 'help'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export type Command =
  | { name: CommandName; /** Everything after the command word, trimmed. */ arg: string }
  | { name: 'unknown'; /** The word as typed, e.g. "/foo". */ command: string; arg: string };

/** Longest /mute: a day. */
export const MAX_MUTE_MIN = 1440;

/**
 * A message text as a command, or null when it is not one (plain text). `/status`,
 * `/Status@MyBot ironman` (the @bot suffix of group chats is dropped) and `/start` (what Telegram
 * sends when a user opens the bot: answered with the help) are understood; any other /word is
 * `unknown`.
 */
export function parseCommand(text: string): Command | null {
  const trimmed = (text ?? '').trim();
  const match = /^\/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+([\s\S]*))?$/.exec(trimmed);
  if (!match) return null;
  const word = match[1].toLowerCase();
  const arg = (match[2] ?? '').trim();
  if (word === 'start') return { name: 'help', arg };
  if ((COMMAND_NAMES as readonly string[]).includes(word)) return { name: word as CommandName, arg };
  return { name: 'unknown', command: `/${match[1]}`, arg };
}

/** `/mute N [race]`: N in minutes (decimals allowed), the rest names the race. */
export function parseMute(arg: string): { minutes: number; race: string } | { error: string } {
  const [first = '', ...rest] = arg.split(/\s+/).filter(Boolean);
  const usage = `Usage: /mute N [race], N in minutes (up to ${MAX_MUTE_MIN}), e.g. /mute 15`;
  if (!first) return { error: `How long? ${usage}` };
  const minutes = /^(\d+(\.\d*)?|\.\d+)$/.test(first) ? Number(first) : NaN;
  if (!Number.isFinite(minutes)) return { error: `"${first}" is not a number of minutes. ${usage}` };
  if (!(minutes > 0)) return { error: `N must be more than 0 minutes. ${usage}` };
  if (minutes > MAX_MUTE_MIN) return { error: `At most ${MAX_MUTE_MIN} minutes (a day). ${usage}` };
  return { minutes, race: rest.join(' ') };
}

/** What a reply needs to name a race. */
export interface RaceRef {
  session_id: string;
  race_name: string | null;
  athlete: string | null;
}

export type RaceChoice<T> = { race: T } | { reply: string };

/** "Ironman 70.3 — Jane (abc123)": names and the id to type. */
export function raceLabel(r: RaceRef): string {
  const name = r.race_name ?? `Session ${r.session_id}`;
  const athlete = r.athlete ? ` — ${r.athlete}` : '';
  return r.race_name ? `${name}${athlete} (${r.session_id})` : `${name}${athlete}`;
}

function raceList(races: RaceRef[]): string {
  return races.map((r) => `• ${raceLabel(r)}`).join('\n');
}

/**
 * The active race a command means. No argument: the only active race, else a list to choose from.
 * An argument matches the session id, race name or athlete, case-insensitively: exact beats
 * prefix beats substring; several at the best level is ambiguous and listed.
 */
export function chooseRace<T extends RaceRef>(active: T[], arg: string, example: string): RaceChoice<T> {
  if (active.length === 0) return { reply: 'No race is being tracked right now.' };
  const wanted = arg.trim().toLowerCase();
  const howTo = `Name one by its name or id, e.g. ${example} ${hintFor(active[0])}`;
  if (!wanted) {
    if (active.length === 1) return { race: active[0] };
    return { reply: `${active.length} races are active:\n${raceList(active)}\n${howTo}` };
  }
  const fields = (r: T) => [r.session_id, r.race_name, r.athlete].filter((f): f is string => !!f).map((f) => f.toLowerCase());
  const levels: Array<(f: string) => boolean> = [(f) => f === wanted, (f) => f.startsWith(wanted), (f) => f.includes(wanted)];
  for (const level of levels) {
    const hits = active.filter((r) => fields(r).some(level));
    if (hits.length === 1) return { race: hits[0] };
    if (hits.length > 1) return { reply: `"${arg.trim()}" matches ${hits.length} races:\n${raceList(hits)}\nName one by its id, e.g. ${example} ${hits[0].session_id}` };
  }
  return { reply: `No active race matches "${arg.trim()}". Active:\n${raceList(active)}\n${howTo}` };
}

/** A short word that picks the race: the first word of its name, or its id. */
function hintFor(r: RaceRef): string {
  return r.race_name?.split(/\s+/)[0] || r.session_id;
}

const LEG_LABEL: Record<Leg, string> = { swim: 'Swim', t1: 'T1', bike: 'Bike', t2: 'T2', run: 'Run', other: 'Race' };

/** Seconds as h:mm. */
export function hoursMinutes(seconds: number): string {
  const m = Math.max(0, Math.floor(seconds / 60));
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

/** Seconds per unit as m:ss. */
function minSec(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Minutes as people say them: "9 s", "15 min", "1.5 min". */
export function minutesText(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  return `${Number(minutes.toFixed(2))} min`;
}

/** Wall-clock time, UTC (the server knows no athlete time zone). */
function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/** "ETA 10:42 UTC (in 0:25)"; the "in" part only while it is ahead. */
function eta(iso: string | null, now: number): string | null {
  const at = iso ? Date.parse(iso) : NaN;
  if (!Number.isFinite(at)) return null;
  return at > now ? `ETA ${clock(at)} (in ${hoursMinutes((at - now) / 1000)})` : `ETA ${clock(at)}`;
}

/** Speed the way the sport reads it: pace per km on the run, per 100 m in the swim, km/h elsewhere. */
function speedText(leg: Leg, mps: number | null): string | null {
  if (mps === null) return null;
  if (leg === 'run' || leg === 'swim') {
    if (!(mps > 0.5)) return 'pace —';
    return leg === 'run' ? `pace ${minSec(1000 / mps)} /km` : `pace ${minSec(100 / mps)} /100 m`;
  }
  return `${(mps * 3.6).toFixed(1)} km/h`;
}

/** Mute state of a race, as /status and /mute say it. */
export function muteText(mutedUntil: number | null, now: number): string {
  if (mutedUntil === null || mutedUntil <= now) return 'Alerts on.';
  const left = (mutedUntil - now) / 60_000;
  // Whole minutes once past one: "11.98 min" left is noise.
  return `Alerts muted: ${minutesText(left >= 1 ? Math.round(left) : left)} left (until ${clock(mutedUntil)}). /unmute to resume.`;
}

export interface StatusReplyInput extends RaceRef {
  state: string;
  current_leg: string | null;
  /** Tracking time, used when the newest point carries no Garmin elapsed time. */
  elapsed_s: number;
  /** Seconds since a new point last arrived (active races). */
  stale_s: number | null;
  course: CourseProgress | null;
  /** Newest stored point. */
  last: TrackpointRecord | null;
  mutedUntil: number | null;
  now: number;
}

/** /status: race, leg, elapsed, distance, the figures of the newest point, ETAs, mute state. */
export function statusReply(s: StatusReplyInput): string {
  const leg = (s.last?.leg ?? s.current_leg ?? 'other') as Leg;
  const lines = [`${raceLabel(s)} — ${LEG_LABEL[leg] ?? leg}${s.state === 'active' ? '' : ` (${s.state})`}`];
  if (!s.last) {
    lines.push(`No data yet (tracking for ${hoursMinutes(s.elapsed_s)}).`);
  } else {
    const p = s.last;
    // Garmin's elapsed time of the activity; our tracking time when the watch sends none.
    const head = [`Elapsed ${hoursMinutes(p.durationS ?? s.elapsed_s)}`];
    if (p.distanceM !== null) head.push(`${(p.distanceM / 1000).toFixed(1)} km`);
    lines.push(head.join(' · '));
    const now = [
      p.heartRate !== null ? `HR ${p.heartRate} bpm` : null,
      p.power !== null ? `${p.power} W` : null,
      speedText(leg, p.speedMps),
    ].filter(Boolean);
    if (now.length) lines.push(`Now: ${now.join(' · ')}`);
    if (s.stale_s !== null && s.stale_s >= 120) lines.push(`(no new data for ${minutesText(s.stale_s / 60)})`);
  }
  const c = s.course;
  if (c && c.distance_to_go_m !== null) {
    const finish = eta(c.eta, s.now);
    lines.push(`Finish: ${(c.distance_to_go_m / 1000).toFixed(1)} km to go${finish ? `, ${finish}` : ''}`);
    if (c.next_checkpoint) {
      const next = eta(c.next_checkpoint.eta, s.now);
      lines.push(`Next: ${c.next_checkpoint.name} in ${(c.next_checkpoint.distance_to_go_m / 1000).toFixed(1)} km${next ? `, ${next}` : ''}`);
    }
  }
  lines.push(muteText(s.mutedUntil, s.now));
  return lines.join('\n');
}

const THRESHOLD_TEXT: Array<[keyof Thresholds, string, string]> = [
  ['hr_max', 'Bike HR max', 'bpm'],
  ['hr_min', 'Bike HR min', 'bpm'],
  ['power_max', 'Bike power max', 'W'],
  ['power_min', 'Bike power min', 'W'],
  ['cadence_min', 'Bike cadence min', 'rpm'],
  ['run_hr_max', 'Run HR max', 'bpm'],
  ['run_hr_min', 'Run HR min', 'bpm'],
  ['run_cadence_min', 'Run cadence min', 'spm'],
];

type CoachingConfig = Pick<
  RaceConfig,
  'fuel_every_min' | 'w_bal_alert_pct' | 'decoupling_alert_pct' | 'ftp_w' | 'cp_w' | 'w_prime_j' | 'lthr_bpm' | 'run_lthr_bpm' | 'max_hr_bpm' | 'threshold_pace_s_per_km' | 'weight_kg'
>;

const ALERT_TEXT: Array<[keyof CoachingConfig, (v: number) => string]> = [
  ['fuel_every_min', (v) => `Fuel reminder every ${v} moving min`],
  ['w_bal_alert_pct', (v) => `W′ balance alert below ${v} %`],
  ['decoupling_alert_pct', (v) => `Run decoupling alert above ${v} %`],
];

const PHYSIOLOGY_TEXT: Array<[keyof CoachingConfig, (v: number) => string]> = [
  ['ftp_w', (v) => `FTP ${v} W`],
  ['cp_w', (v) => `CP ${v} W`],
  ['w_prime_j', (v) => `W′ ${v} J`],
  ['lthr_bpm', (v) => `LTHR ${v} bpm`],
  ['run_lthr_bpm', (v) => `run LTHR ${v} bpm`],
  ['max_hr_bpm', (v) => `max HR ${v} bpm`],
  ['threshold_pace_s_per_km', (v) => `threshold pace ${minSec(v)} /km`],
  ['weight_kg', (v) => `${v} kg`],
];

/** /thresholds: the alert thresholds that are set, then fuelling, metric alerts and physiology when set. */
export function thresholdsReply(race: RaceRef, thresholds: Partial<Thresholds>, config: CoachingConfig): string {
  const limits = THRESHOLD_TEXT.filter(([k]) => typeof thresholds[k] === 'number').map(([k, label, unit]) => `${label} ${thresholds[k]} ${unit}`);
  const given = (list: Array<[keyof CoachingConfig, (v: number) => string]>) =>
    list.flatMap(([k, text]) => (typeof config[k] === 'number' ? [text(config[k] as number)] : []));
  const alerts = given(ALERT_TEXT);
  const physiology = given(PHYSIOLOGY_TEXT);
  const lines = [`${raceLabel(race)} — thresholds`];
  lines.push(limits.length ? limits.join('\n') : 'No alert thresholds set.');
  if (alerts.length) lines.push(alerts.join('\n'));
  if (physiology.length) lines.push(`Physiology: ${physiology.join(' · ')}`);
  lines.push('Change them with POST /control or the update_thresholds tool.');
  return lines.join('\n');
}

export function muteReply(race: RaceRef, minutes: number, until: number): string {
  return `Alerts and fuelling reminders for ${raceLabel(race)} muted for ${minutesText(minutes)} (until ${clock(until)}). /unmute to resume.`;
}

export function unmuteReply(race: RaceRef, wasMuted: boolean): string {
  return wasMuted ? `Alerts for ${raceLabel(race)} are back on.` : `Alerts for ${raceLabel(race)} were not muted: they are on.`;
}

export function helpReply(): string {
  return [
    'Commands:',
    '/status [race] — leg, elapsed, distance, HR / power / pace now, ETA',
    `/mute N [race] — silence alerts and fuelling reminders for N minutes (decimals allowed, up to ${MAX_MUTE_MIN})`,
    '/unmute [race] — alerts back on',
    '/thresholds [race] — thresholds and alert settings in force',
    '/help — this list',
    'With several races active, name one: /status <name or id>.',
  ].join('\n');
}

export function unknownReply(command: string): string {
  return `Unknown command ${command}. Send /help for the commands.`;
}
