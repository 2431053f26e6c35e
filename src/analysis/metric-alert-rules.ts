// Optional alerts on the coaching metrics, as a pure state machine. No Nest, no I/O: AlertService
// reads the metrics after each poll's batch (MetricsService.snapshot) and feeds one observation
// per batch with race_config as stored now.
//
// - w_bal (bike): the race's W′ balance at the newest second below w_bal_alert_pct % of w_prime_j
//   (needs cp_w and w_prime_j). Re-arms once back at or above (pct + 5) % of W′ (halfway to full
//   when that would pass 100 %: the differential model only nears W′ asymptotically).
// - decoupling (run): the run leg's decoupling so far above decoupling_alert_pct. Re-arms once at
//   or below the limit − 1 percentage point.
// Both are integrals over many minutes, so no sustain time: a single poll outside alerts. As with
// the threshold alerts (alert-rules.ts), once alerted the kind stays quiet until it re-arms, or
// repeats a still-ongoing breach only after the wall-time cooldown; a change of limit starts
// afresh; off its leg, or switched off, the kind forgets its state.
import { Leg } from '../storage/trackpoint.types';
import { DEFAULT_ALERT_RULES } from './alert-rules';

export type MetricAlertKind = 'w_bal' | 'decoupling';

/** The race_config field that switches each kind on. */
export const METRIC_ALERT_FIELD = { w_bal: 'w_bal_alert_pct', decoupling: 'decoupling_alert_pct' } as const;

export interface MetricAlertOptions {
  /** After an alert, wall time before the same still-ongoing breach may alert again. */
  cooldownMs: number;
  /** Percentage points of W′ the balance must climb back above the limit to re-arm. */
  wBalMarginPct: number;
  /** Percentage points decoupling must fall back below the limit to re-arm. */
  decouplingMarginPct: number;
}

export const DEFAULT_METRIC_ALERT_RULES: MetricAlertOptions = {
  cooldownMs: DEFAULT_ALERT_RULES.cooldownMs,
  wBalMarginPct: 5,
  decouplingMarginPct: 1,
};

/** The race_config part these alerts read (null = not set). */
export interface MetricAlertConfig {
  w_bal_alert_pct: number | null;
  cp_w: number | null;
  w_prime_j: number | null;
  decoupling_alert_pct: number | null;
}

/** The metrics after one batch. */
export interface MetricObservation {
  /** Leg and time (epoch ms) of the batch's newest point. */
  leg: Leg;
  at: number;
  /** Race W′ balance at the newest second, J; null when not computable. */
  w_bal_j: number | null;
  /** The run leg's decoupling so far, %; null until it has 20 minutes of data. */
  run_decoupling_pct: number | null;
}

export interface MetricKindState {
  /** The limit (J for w_bal, % for decoupling) this state was built against. */
  limit: number;
  alerted: boolean;
  alertedAt: number | null;
}

export type MetricAlertState = Partial<Record<MetricAlertKind, MetricKindState>>;

export interface MetricAlertEvent {
  kind: MetricAlertKind;
  field: (typeof METRIC_ALERT_FIELD)[MetricAlertKind];
  leg: Leg;
  at: number;
  /** W′ balance in J, or decoupling in %. */
  value: number;
  /** The limit in the same unit. */
  limit: number;
  /** The configured percentage (of W′ for w_bal). */
  limit_pct: number;
  /** w_bal: the balance as a % of W′; decoupling: the same as value. */
  value_pct: number;
  /** w_bal: CP and W′ it was judged with; null for decoupling. */
  cp_w: number | null;
  w_prime_j: number | null;
}

const positive = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

interface Rule {
  kind: MetricAlertKind;
  limit: number;
  limitPct: number;
  value: number | null;
  outside: (v: number) => boolean;
  rearmed: (v: number) => boolean;
  valuePct: (v: number) => number;
}

function rulesFor(obs: MetricObservation, config: MetricAlertConfig, options: MetricAlertOptions): Rule[] {
  const rules: Rule[] = [];
  if (obs.leg === 'bike' && positive(config.w_bal_alert_pct) && positive(config.cp_w) && positive(config.w_prime_j)) {
    const wPrime = config.w_prime_j;
    const pct = config.w_bal_alert_pct;
    const limit = (pct / 100) * wPrime;
    const rearmPct = pct + options.wBalMarginPct <= 100 ? pct + options.wBalMarginPct : (pct + 100) / 2;
    rules.push({
      kind: 'w_bal', limit, limitPct: pct, value: obs.w_bal_j,
      outside: (v) => v < limit,
      rearmed: (v) => v >= (rearmPct / 100) * wPrime,
      valuePct: (v) => (v / wPrime) * 100,
    });
  }
  if (obs.leg === 'run' && positive(config.decoupling_alert_pct)) {
    const limit = config.decoupling_alert_pct;
    rules.push({
      kind: 'decoupling', limit, limitPct: limit, value: obs.run_decoupling_pct,
      outside: (v) => v > limit,
      rearmed: (v) => v <= limit - options.decouplingMarginPct,
      valuePct: (v) => v,
    });
  }
  return rules;
}

/** Judges one observation; returns the new state (the given one is not changed) and the alerts. */
export function evaluateMetricAlerts(
  state: MetricAlertState,
  obs: MetricObservation,
  config: MetricAlertConfig,
  now: number,
  options: MetricAlertOptions = DEFAULT_METRIC_ALERT_RULES,
): { state: MetricAlertState; alerts: MetricAlertEvent[] } {
  const rules = rulesFor(obs, config, options);
  const next: MetricAlertState = {};
  const alerts: MetricAlertEvent[] = [];
  // Kinds without a rule now (other leg, switched off, CP/W′ cleared) are dropped with their state.
  for (const rule of rules) {
    const prev = state[rule.kind];
    const s: MetricKindState = prev && prev.limit === rule.limit ? { ...prev } : { limit: rule.limit, alerted: false, alertedAt: null };
    next[rule.kind] = s;
    const v = rule.value;
    if (v === null || !Number.isFinite(v)) continue;
    if (!rule.outside(v)) {
      if (s.alerted && rule.rearmed(v)) s.alerted = false;
      continue;
    }
    const cooledDown = s.alertedAt === null || now - s.alertedAt >= options.cooldownMs;
    if (s.alerted && !cooledDown) continue;
    s.alerted = true;
    s.alertedAt = now;
    alerts.push({
      kind: rule.kind, field: METRIC_ALERT_FIELD[rule.kind], leg: obs.leg, at: obs.at, value: v, limit: rule.limit,
      limit_pct: rule.limitPct, value_pct: rule.valuePct(v),
      cp_w: rule.kind === 'w_bal' ? config.cp_w : null, w_prime_j: rule.kind === 'w_bal' ? config.w_prime_j : null,
    });
  }
  return { state: next, alerts };
}

const fixed = (v: number, digits: number) => (Math.round(v * 10 ** digits) / 10 ** digits).toFixed(digits);
/** A configured limit as typed: 25 → "25", 7.5 → "7.5". */
const limitText = (v: number) => String(Math.round(v * 10) / 10);

/**
 * Short messages for the athlete, e.g.
 * "Bike: W′ balance 18 % (3.6 kJ), below 25 % — ease off under CP 250 W to refill" and
 * "Run: decoupling 6.2 %, above 5 % — HR drifting: ease the pace and drink".
 */
export function formatMetricAlert(alert: MetricAlertEvent): string {
  if (alert.kind === 'w_bal') {
    return `Bike: W′ balance ${fixed(alert.value_pct, 0)} % (${fixed(alert.value / 1000, 1)} kJ), below ${limitText(alert.limit_pct)} % — ease off under CP ${limitText(alert.cp_w ?? 0)} W to refill`;
  }
  return `Run: decoupling ${fixed(alert.value, 1)} %, above ${limitText(alert.limit)} % — HR drifting: ease the pace and drink`;
}
