// The short human texts tools answer with (the data itself travels as structuredContent). Pure.
import type { SessionStatus } from '../tracking/session-status';
import type { RaceSummary } from '../summary/race-summary';
import { duration } from '../common/format';
import { describeCourse } from '../course/course-text';
import type { CourseProgress } from '../course/course.types';
import { describeMetrics } from '../metrics/describe-metrics';
import type { RaceMetricsSnapshot } from '../metrics/metrics.types';
export { duration };

const UNITS: Record<string, string> = {
  hr_max: 'bpm', hr_min: 'bpm', run_hr_max: 'bpm', run_hr_min: 'bpm',
  power_max: 'W', power_min: 'W', cadence_min: 'rpm', run_cadence_min: 'spm',
};

const n = (v: number) => v.toLocaleString('en-US');

export function distance(meters: number | null): string {
  if (meters === null) return '? km';
  return meters >= 1000 ? `${(meters / 1000).toFixed(2)} km` : `${Math.round(meters)} m`;
}

/** "hr_max 144 bpm, power_max 165 W", or "none set". */
export function thresholdsText(thresholds: Record<string, number | null>): string {
  const set = Object.entries(thresholds).filter(([, v]) => v !== null && v !== undefined);
  return set.length ? set.map(([k, v]) => `${k} ${v} ${UNITS[k] ?? ''}`.trim()).join(', ') : 'none set';
}

function raceLabel(s: { race_name: string | null; session_id: string }): string {
  return s.race_name ? `"${s.race_name}" (session ${s.session_id})` : `Session ${s.session_id}`;
}

export function statusText(s: SessionStatus & { course?: CourseProgress | null }): string {
  const label = raceLabel(s);
  // A watch restarted mid-race: one race across linked sessions.
  const course =
    (s.course ? ` Course: ${describeCourse(s.course)}.` : '') +
    (s.previous_session_id ? ` Continues session ${s.previous_session_id} (watch restarted).` : '') +
    (s.next_session_id ? ` Continued in session ${s.next_session_id}.` : '');
  const lastPoint = s.last_point_at ? `last point ${s.last_point_at}` : 'no point yet';
  if (s.active) {
    const fresh = s.stale_s === null ? '' : ` (new data ${s.stale_s} s ago)`;
    const leg = s.current_leg ? `, leg ${s.current_leg}` : '';
    const errors = s.poll_errors ? `, ${s.poll_errors} poll errors (last: ${s.last_error ?? 'n/a'})` : '';
    return (
      `${label} is being tracked${leg}: ${n(s.points)} points, ${lastPoint}${fresh}, tracking for ${duration(s.elapsed_s)}${errors}. ` +
      `Thresholds: ${thresholdsText(s.thresholds)}. Analyses ${s.analysis.runs}, alerts sent ${s.alerts_sent}.${course}`
    );
  }
  const why = s.stop_reason ? ` (${s.stop_reason}${s.stop_detail ? `: ${s.stop_detail}` : ''})` : '';
  const watch = s.watching_until ? ` Still watching Garmin for new points until ${s.watching_until}: tracking resumes by itself if they come.` : '';
  return (
    `${label} is ${s.state}${why} at ${s.stopped_at ?? 'unknown time'}: ${n(s.points)} points, ${lastPoint}.${watch} ` +
    `Analyses ${s.analysis.runs}, alerts sent ${s.alerts_sent}.${course}`
  );
}

export function raceListText(races: Array<Pick<SessionStatus, 'session_id' | 'race_name' | 'state' | 'points' | 'started_at' | 'stop_reason'>>): string {
  if (!races.length) return 'No races yet. Start one with start_tracking and the athlete\'s LiveTrack share link.';
  const active = races.filter((r) => r.state === 'active').length;
  const lines = races.map(
    (r) => `- ${r.session_id}${r.race_name ? ` "${r.race_name}"` : ''}: ${r.state}${r.stop_reason ? ` (${r.stop_reason})` : ''}, ${n(r.points)} points, started ${r.started_at}`,
  );
  return `${races.length} race(s), ${active} active:\n${lines.join('\n')}`;
}

interface MetricStats {
  avg: number | null;
  max: number | null;
}

/** Cadence is pedal revolutions on the bike, steps on the run, strokes in the water. */
export function cadenceUnit(leg: string | null): string {
  return leg === 'run' ? 'spm' : leg === 'swim' ? 'strokes/min' : 'rpm';
}

function overText(over: Record<string, number>): string | null {
  const beyond = Object.entries(over).filter(([, v]) => v > 0);
  return beyond.length ? `beyond ${beyond.map(([k, v]) => `${k} for ${duration(v)}`).join(', ')}` : null;
}

function metricText(name: string, m: MetricStats, unit: string): string | null {
  if (m.avg === null) return null;
  return `${name} avg ${Math.round(m.avg)}${m.max !== null ? ` (max ${Math.round(m.max)})` : ''} ${unit}`;
}

export function recentDataText(d: {
  session_id: string;
  minutes: number;
  points: number;
  current_leg: string | null;
  note: string | null;
  legs: Array<{ leg: string; from: string; to: string; heart_rate: MetricStats; power: MetricStats; cadence: MetricStats; time_over_thresholds_s: Record<string, number> }>;
  thresholds: Record<string, number | null>;
}): string {
  if (d.points === 0) return `No points in the last ${d.minutes} min of session ${d.session_id} yet.`;
  const legs = d.legs.map((l) => {
    const parts = [
      metricText('HR', l.heart_rate, 'bpm'),
      metricText('power', l.power, 'W'),
      metricText('cadence', l.cadence, cadenceUnit(l.leg)),
      overText(l.time_over_thresholds_s),
    ].filter(Boolean);
    const span = duration((Date.parse(l.to) - Date.parse(l.from)) / 1000);
    return `- ${l.leg} (${span}): ${parts.length ? parts.join(', ') : 'no sensor data'}`;
  });
  const shape = d.note ? `; ${d.note}` : '; every point returned';
  return (
    `Last ${d.minutes} min of session ${d.session_id}${d.current_leg ? ` (now on ${d.current_leg})` : ''}: ${n(d.points)} points${shape}. ` +
    `Thresholds: ${thresholdsText(d.thresholds)}.\n${legs.join('\n')}`
  );
}

export function summaryText(
  s: RaceSummary & { metrics?: RaceMetricsSnapshot; course?: CourseProgress | null; analyses?: { cycles: number; tool_calls: number; input_tokens: number; output_tokens: number } },
): string {
  const why = s.stop_reason ? `, ${s.stop_reason}` : '';
  const a = s.analyses;
  const cycles = a
    ? `analysis cycles ${a.cycles} (${a.tool_calls} tool calls, ${n(a.input_tokens + a.output_tokens)} tokens)`
    : `analysis cycles ${s.analysis.runs}`;
  const head =
    `${raceLabel(s)}, ${s.state}${why}: ${duration(s.totals.duration_s)}, ${distance(s.totals.distance_m)}, ${n(s.totals.points)} points. ` +
    `Alerts sent ${s.alerts_sent}, ${cycles}.`;
  const legs = s.legs.map((l) => {
    const parts = [
      `${l.leg}: ${duration(l.duration_s)}, ${distance(l.distance_m)}`,
      metricText('HR', l.heart_rate, 'bpm'),
      metricText('power', l.power, 'W'),
      metricText('cadence', l.cadence, cadenceUnit(l.leg)),
      overText(l.time_over_thresholds_s),
    ].filter(Boolean);
    return `- ${parts.join(', ')}`;
  });
  const coaching = s.metrics
    ? [
        ...describeMetrics(s.metrics.race, 'race').map((l) => `- race: ${l}`),
        ...s.metrics.legs.flatMap((leg) => describeMetrics(leg, leg.leg).map((l) => `- ${leg.leg}: ${l}`)),
      ]
    : [];
  if (s.course) coaching.push(`- course: ${describeCourse(s.course)}`);
  const metricsPart = coaching.length ? `\nCoaching metrics:\n${coaching.join('\n')}` : '';
  return (legs.length ? `${head}\n${legs.join('\n')}` : `${head} No points stored.`) + metricsPart;
}
