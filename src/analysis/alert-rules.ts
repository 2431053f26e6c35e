// Threshold alerts as a pure state machine over polled points. No Nest, no I/O: AlertService feeds
// it each poll's new points with the session's current thresholds and sends what it returns.
import { Thresholds } from '../control/thresholds';
import { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import { GAP_S, LegThreshold, metricKey, Metric, thresholdsForLeg } from './leg-stats';

export interface AlertRuleOptions {
  /** A breach alerts once consecutive points outside the bound span at least this much point time. */
  sustainMs: number;
  /** After an alert, wall time before the same still-ongoing breach may alert again. */
  cooldownMs: number;
  /** Back inside by this fraction of the threshold (or marginMin units, whichever is larger) re-arms the alert. */
  marginRatio: number;
  marginMin: number;
}

export const DEFAULT_ALERT_RULES: AlertRuleOptions = {
  sustainMs: 30_000,
  cooldownMs: 10 * 60_000,
  marginRatio: 0.03,
  marginMin: 3,
};

/** State of one threshold field of one session. */
export interface FieldAlertState {
  /** The threshold value this state was built against; a /control change starts afresh. */
  threshold: number;
  /** Point time of the first point of the current run outside the bound, or null. */
  runStart: number | null;
  /** Point time of the last point of that run (a long silence breaks the run). */
  runLast: number | null;
  /** An alert was sent and the value has not yet come back inside with the margin. */
  alerted: boolean;
  /** Wall time of the last alert (for the cooldown). */
  alertedAt: number | null;
}

export type AlertState = Partial<Record<keyof Thresholds, FieldAlertState>>;

export interface AlertEvent {
  field: keyof Thresholds;
  metric: Metric;
  bound: 'max' | 'min';
  threshold: number;
  /** The value of the point that made the breach sustained. */
  value: number;
  /** How long (point time) the run had lasted when the alert fired, seconds. */
  sustained_s: number;
  leg: Leg;
  /** Point time of that point. */
  at: number;
}

export function alertMargin(threshold: number, options: AlertRuleOptions = DEFAULT_ALERT_RULES): number {
  return Math.max(options.marginMin, threshold * options.marginRatio);
}

/**
 * Feeds points (oldest first) through the rules. A breach alerts when consecutive points outside
 * the leg's bound span ≥ sustainMs of point time; a null value, a point inside, a data gap or a
 * leg where the field does not apply resets the run, so single-point spikes never alert. Once
 * alerted, the field stays quiet until the value comes back inside by the margin (hysteresis) or
 * the cooldown has passed in wall time (so a late backlog cannot fire a burst of messages).
 */
export function evaluateAlerts(
  state: AlertState,
  points: TrackpointRecord[],
  thresholds: Partial<Thresholds>,
  now: number,
  options: AlertRuleOptions = DEFAULT_ALERT_RULES,
): { state: AlertState; alerts: AlertEvent[] } {
  const next: AlertState = {};
  for (const [field, s] of Object.entries(state) as Array<[keyof Thresholds, FieldAlertState]>) next[field] = { ...s };
  const alerts: AlertEvent[] = [];

  for (const p of points) {
    const applicable = new Map<keyof Thresholds, LegThreshold>(thresholdsForLeg(p.leg, thresholds).map((t) => [t.field, t]));
    // Fields that do not apply here (other leg, threshold cleared) forget their breach.
    for (const field of Object.keys(next) as Array<keyof Thresholds>) {
      if (!applicable.has(field)) delete next[field];
    }
    for (const t of applicable.values()) {
      let s = next[t.field];
      if (!s || s.threshold !== t.value) {
        s = { threshold: t.value, runStart: null, runLast: null, alerted: false, alertedAt: null };
        next[t.field] = s;
      }
      const value = p[metricKey(t.metric)];
      if (value === null || !Number.isFinite(value)) {
        s.runStart = s.runLast = null;
        continue;
      }
      const outside = t.bound === 'max' ? value > t.value : value < t.value;
      if (!outside) {
        s.runStart = s.runLast = null;
        const margin = alertMargin(t.value, options);
        if (s.alerted && (t.bound === 'max' ? value <= t.value - margin : value >= t.value + margin)) s.alerted = false;
        continue;
      }
      if (s.runStart === null || s.runLast === null || p.time - s.runLast > GAP_S * 1000) s.runStart = p.time;
      s.runLast = p.time;
      const spanMs = p.time - s.runStart;
      if (spanMs < options.sustainMs) continue;
      const cooledDown = s.alertedAt === null || now - s.alertedAt >= options.cooldownMs;
      if (s.alerted && !cooledDown) continue;
      s.alerted = true;
      s.alertedAt = now;
      alerts.push({
        field: t.field, metric: t.metric, bound: t.bound, threshold: t.value, value,
        sustained_s: Math.round(spanMs / 1000), leg: p.leg, at: p.time,
      });
    }
  }
  return { state: next, alerts };
}

const LEG_LABEL: Record<Leg, string> = { swim: 'Swim', t1: 'T1', bike: 'Bike', t2: 'T2', run: 'Run', other: 'Race' };

/** A short, human message for the athlete, e.g. "Bike: HR 158 for 45 s, ceiling 150 — ease off". */
export function formatAlert(alert: AlertEvent): string {
  const unit = alert.metric === 'power' ? ' W' : alert.metric === 'cadence' ? (alert.leg === 'run' ? ' spm' : ' rpm') : '';
  const name = alert.metric === 'heart_rate' ? 'HR' : alert.metric === 'power' ? 'Power' : 'Cadence';
  const limit = alert.bound === 'max' ? 'ceiling' : 'floor';
  let advice: string;
  if (alert.metric === 'cadence') advice = alert.leg === 'run' ? 'quicker, shorter steps' : 'shift down and spin faster';
  else advice = alert.bound === 'max' ? 'ease off' : 'lift the effort a little';
  return `${LEG_LABEL[alert.leg]}: ${name} ${alert.value}${unit} for ${alert.sustained_s} s, ${limit} ${alert.threshold}${unit} — ${advice}`;
}
