import { Leg } from '../storage/trackpoint.types';
import { evaluateMetricAlerts, formatMetricAlert, MetricAlertConfig, MetricAlertState, MetricObservation } from './metric-alert-rules';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const NOW = Date.UTC(2026, 5, 1, 9, 0, 0);
const MIN = 60_000;

const OFF: MetricAlertConfig = { w_bal_alert_pct: null, cp_w: null, w_prime_j: null, decoupling_alert_pct: null };
/** Alert below 25 % of a 20 kJ W′ (5000 J); re-arms at 30 % (6000 J). */
const WBAL: MetricAlertConfig = { ...OFF, w_bal_alert_pct: 25, cp_w: 250, w_prime_j: 20_000 };
/** Alert above 5 %; re-arms at 4 %. */
const DEC: MetricAlertConfig = { ...OFF, decoupling_alert_pct: 5 };

const obs = (leg: Leg, minute: number, v: { w?: number | null; d?: number | null }): MetricObservation => ({
  leg, at: T0 + minute * MIN, w_bal_j: v.w ?? null, run_decoupling_pct: v.d ?? null,
});

/** Feeds observations one per batch, all at the same wall time unless given; returns the alert minutes. */
function feed(config: MetricAlertConfig, list: Array<[MetricObservation, number?]>, state: MetricAlertState = {}) {
  const fired: Array<{ kind: string; minute: number; text: string }> = [];
  for (const [o, now] of list) {
    const r = evaluateMetricAlerts(state, o, config, now ?? NOW);
    state = r.state;
    for (const a of r.alerts) fired.push({ kind: a.kind, minute: (a.at - T0) / MIN, text: formatMetricAlert(a) });
  }
  return { fired, state };
}

describe('evaluateMetricAlerts: W′ balance on the bike', () => {
  it('alerts once when the balance falls below the share of W′, with a short message', () => {
    const { fired } = feed(WBAL, [
      [obs('bike', 1, { w: 9000 })],
      [obs('bike', 2, { w: 5000 })], // exactly at the limit: not below
      [obs('bike', 3, { w: 4999 })],
      [obs('bike', 4, { w: 3600 })],
      [obs('bike', 5, { w: 2000 })],
    ]);
    expect(fired).toEqual([{ kind: 'w_bal', minute: 3, text: 'Bike: W′ balance 25 % (5.0 kJ), below 25 % — ease off under CP 250 W to refill' }]);
  });

  it('re-arms only once back past the margin (30 % of W′), then alerts again', () => {
    const { fired } = feed(WBAL, [
      [obs('bike', 1, { w: 4000 })], // alert
      [obs('bike', 2, { w: 5900 })], // back above 25 % but not 30 %
      [obs('bike', 3, { w: 4000 })], // quiet
      [obs('bike', 4, { w: 6000 })], // re-armed at 30 %
      [obs('bike', 5, { w: 4500 })], // alert
    ]);
    expect(fired.map((f) => f.minute)).toEqual([1, 5]);
  });

  it('repeats a still-ongoing breach only after the 10 min cooldown in wall time', () => {
    const { fired } = feed(WBAL, [
      [obs('bike', 1, { w: 4000 }), NOW],
      [obs('bike', 2, { w: 3000 }), NOW + 9 * MIN],
      // A backlog replayed in a burst (race time far ahead, same wall minute) stays quiet.
      [obs('bike', 30, { w: 1000 }), NOW + 9 * MIN + 1000],
      [obs('bike', 31, { w: 1000 }), NOW + 10 * MIN],
    ]);
    expect(fired.map((f) => f.minute)).toEqual([1, 31]);
  });

  it('needs cp_w and w_prime_j, applies only on the bike, and ignores a missing balance', () => {
    expect(feed({ ...WBAL, cp_w: null }, [[obs('bike', 1, { w: 1000 })]]).fired).toEqual([]);
    expect(feed({ ...WBAL, w_prime_j: null }, [[obs('bike', 1, { w: 1000 })]]).fired).toEqual([]);
    expect(feed(OFF, [[obs('bike', 1, { w: -5000 })]]).fired).toEqual([]);
    for (const leg of ['swim', 't1', 't2', 'run'] as Leg[]) expect(feed(WBAL, [[obs(leg, 1, { w: 1000 })]]).fired).toEqual([]);
    const { fired, state } = feed(WBAL, [[obs('bike', 1, { w: null })]]);
    expect(fired).toEqual([]);
    expect(state.w_bal).toEqual({ limit: 5000, alerted: false, alertedAt: null });
  });

  it('forgets its state off the bike and when the limit changes (a /control change applies from the next batch)', () => {
    const a = feed(WBAL, [[obs('bike', 1, { w: 4000 })], [obs('t2', 2, { w: 4000 })]]);
    expect(a.state).toEqual({});
    const b = feed(WBAL, [[obs('bike', 1, { w: 4000 })]]);
    // 30 % now: a new limit (6000 J), so the same low balance alerts anew.
    const c = feed({ ...WBAL, w_bal_alert_pct: 30 }, [[obs('bike', 2, { w: 4000 })]], b.state);
    expect(c.fired.map((f) => f.text)).toEqual(['Bike: W′ balance 20 % (4.0 kJ), below 30 % — ease off under CP 250 W to refill']);
    // A new W′ moves the limit in joules too.
    const d = feed({ ...WBAL, w_prime_j: 16_000 }, [[obs('bike', 3, { w: 3000 })]], b.state);
    expect(d.fired).toHaveLength(1);
  });

  it('re-arms halfway to full when limit + margin would pass 100 %', () => {
    const high = { ...WBAL, w_bal_alert_pct: 98 }; // limit 19 600 J, re-arm at 99 % = 19 800 J
    const { fired } = feed(high, [
      [obs('bike', 1, { w: 19_000 })],
      [obs('bike', 2, { w: 19_700 })],
      [obs('bike', 3, { w: 19_000 })],
      [obs('bike', 4, { w: 19_800 })],
      [obs('bike', 5, { w: 19_000 })],
    ]);
    expect(fired.map((f) => f.minute)).toEqual([1, 5]);
  });
});

describe('evaluateMetricAlerts: decoupling on the run', () => {
  it('alerts above the limit on the run only, re-arms at limit − 1 point', () => {
    const { fired } = feed(DEC, [
      [obs('run', 20, { d: null })], // not yet 20 min of data
      [obs('run', 21, { d: 5 })], // at the limit: not above
      [obs('run', 22, { d: 5.4 })], // alert
      [obs('run', 23, { d: 4.2 })], // inside, not past the margin
      [obs('run', 24, { d: 6 })], // quiet
      [obs('run', 25, { d: 4 })], // re-armed
      [obs('run', 26, { d: 5.1 })], // alert
    ]);
    expect(fired).toEqual([
      { kind: 'decoupling', minute: 22, text: 'Run: decoupling 5.4 %, above 5 % — HR drifting: ease the pace and drink' },
      { kind: 'decoupling', minute: 26, text: 'Run: decoupling 5.1 %, above 5 % — HR drifting: ease the pace and drink' },
    ]);
    expect(feed(DEC, [[obs('bike', 60, { d: 12 })]]).fired).toEqual([]);
    expect(feed(OFF, [[obs('run', 60, { d: 12 })]]).fired).toEqual([]);
  });

  it('keeps the two kinds apart and does not mutate the state it is given', () => {
    const both: MetricAlertConfig = { ...WBAL, decoupling_alert_pct: 5 };
    const a = feed(both, [[obs('bike', 1, { w: 1000, d: 9 })]]);
    expect(a.fired.map((f) => f.kind)).toEqual(['w_bal']);
    const frozen = JSON.stringify(a.state);
    evaluateMetricAlerts(a.state, obs('bike', 2, { w: 9000 }), both, NOW);
    expect(JSON.stringify(a.state)).toBe(frozen);
    expect(feed(both, [[obs('run', 70, { w: 1000, d: 7.25 })]]).fired.map((f) => f.text)).toEqual([
      'Run: decoupling 7.3 %, above 5 % — HR drifting: ease the pace and drink',
    ]);
  });
});
