import { TrackpointRecord } from '../storage/trackpoint.types';
import { AlertState, evaluateAlerts, formatAlert } from './alert-rules';

const T0 = Date.UTC(2026, 5, 1, 8, 0, 0);
const NOW = Date.UTC(2026, 5, 1, 8, 30, 0);

function point(sec: number, leg: TrackpointRecord['leg'], extra: Partial<TrackpointRecord> = {}): TrackpointRecord {
  return {
    time: T0 + sec * 1000, lat: null, lon: null, altitudeM: null, speedMps: null, distanceM: null, durationS: null,
    heartRate: null, cadence: null, power: null, activityType: null, leg, status: 'MOVING', ...extra,
  };
}

/** One bike point every 5 s from `fromSec`, with these heart rates. */
function hrSeries(fromSec: number, hrs: Array<number | null>, leg: TrackpointRecord['leg'] = 'bike'): TrackpointRecord[] {
  return hrs.map((hr, i) => point(fromSec + i * 5, leg, { heartRate: hr }));
}

const run = (state: AlertState, points: TrackpointRecord[], thresholds: Record<string, number | null>, now = NOW) =>
  evaluateAlerts(state, points, thresholds, now);

describe('evaluateAlerts', () => {
  const bike = { hr_max: 150 };

  it('alerts once a breach spans 30 s of point time, with the value, duration and threshold', () => {
    const { alerts } = run({}, hrSeries(0, [140, 155, 156, 157, 158, 158, 158, 158, 159]), bike);
    // 155 starts at 5 s; the point at 35 s is the first to make the run span 30 s.
    expect(alerts).toEqual([
      { field: 'hr_max', metric: 'heart_rate', bound: 'max', threshold: 150, value: 158, sustained_s: 30, leg: 'bike', at: T0 + 35_000 },
    ]);
    expect(formatAlert(alerts[0])).toBe('Bike: HR 158 for 30 s, ceiling 150 — ease off');
  });

  it('counts a breach across polls (state carries over) and does not count wall time', () => {
    const first = run({}, hrSeries(0, [155, 156, 157]), bike);
    expect(first.alerts).toHaveLength(0);
    // Polled much later in wall time, but the run so far covers only 10 s of point time.
    const second = run(first.state, hrSeries(15, [158, 158, 158]), bike, NOW + 3_600_000);
    expect(second.alerts).toHaveLength(0);
    const third = run(second.state, hrSeries(30, [159]), bike);
    expect(third.alerts).toHaveLength(1);
  });

  it('never alerts on single-point spikes, nor on runs broken by a point inside or a null', () => {
    const spikes = hrSeries(0, [140, 180, 140, 175, 141, 190, 139, 200, 140]);
    expect(run({}, spikes, bike).alerts).toEqual([]);
    const broken = hrSeries(0, [155, 155, 155, 150, 155, 155, 155, null, 155, 155, 155, 155]);
    expect(run({}, broken, bike).alerts).toEqual([]);
  });

  it('does not let a data gap stretch two points into a sustained breach', () => {
    const pts = [point(0, 'bike', { heartRate: 160 }), point(300, 'bike', { heartRate: 160 })];
    expect(run({}, pts, bike).alerts).toEqual([]);
  });

  it('stays quiet after an alert until back inside by the margin (hysteresis), then alerts again', () => {
    const breach = (from: number) => hrSeries(from, [155, 155, 155, 155, 155, 155, 155]);
    const a = run({}, breach(0), bike);
    expect(a.alerts).toHaveLength(1);
    // Dips just inside (148 > 150 − 4.5) and breaches again: no repeat.
    const b = run(a.state, [...hrSeries(35, [148, 149]), ...breach(45)], bike);
    expect(b.alerts).toHaveLength(0);
    // Back to 145 (≤ 145.5): re-armed, so the next sustained breach alerts.
    const c = run(b.state, [...hrSeries(80, [145]), ...breach(85)], bike);
    expect(c.alerts).toHaveLength(1);
  });

  it('repeats a still-ongoing breach only after the cooldown (wall time)', () => {
    const a = run({}, hrSeries(0, Array(8).fill(160)), bike, NOW);
    expect(a.alerts).toHaveLength(1);
    const b = run(a.state, hrSeries(40, Array(20).fill(160)), bike, NOW + 5 * 60_000);
    expect(b.alerts).toHaveLength(0);
    const c = run(b.state, hrSeries(140, [160]), bike, NOW + 10 * 60_000);
    expect(c.alerts).toHaveLength(1);
  });

  it('uses bike fields on the bike, run_* on the run and nothing in swim or transitions', () => {
    const thresholds = { hr_max: 150, run_hr_max: 170 };
    const hr160 = Array(8).fill(160);
    expect(run({}, hrSeries(0, hr160, 'swim'), thresholds).alerts).toEqual([]);
    expect(run({}, hrSeries(0, hr160, 't2'), thresholds).alerts).toEqual([]);
    expect(run({}, hrSeries(0, hr160, 'run'), thresholds).alerts).toEqual([]);
    expect(run({}, hrSeries(0, hr160, 'bike'), thresholds).alerts.map((a) => a.field)).toEqual(['hr_max']);
    const onRun = run({}, hrSeries(0, Array(8).fill(175), 'run'), thresholds).alerts;
    expect(onRun.map((a) => [a.field, a.threshold, a.leg])).toEqual([['run_hr_max', 170, 'run']]);
  });

  it('does not carry a bike breach over a transition into the run', () => {
    const thresholds = { hr_max: 150, hr_min: 100, run_hr_max: 150 };
    const pts = [...hrSeries(0, [160, 160, 160, 160], 'bike'), ...hrSeries(20, [160], 't2'), ...hrSeries(25, [160, 160, 160], 'run')];
    expect(run({}, pts, thresholds).alerts).toEqual([]);
  });

  it('handles floors (min bounds) for power and cadence, with units in the message', () => {
    const pts = Array.from({ length: 8 }, (_, i) => point(i * 5, 'bike', { power: 120, cadence: 70 }));
    const { alerts } = run({}, pts, { power_min: 150, cadence_min: 80 });
    expect(alerts.map(formatAlert)).toEqual([
      'Bike: Power 120 W for 30 s, floor 150 W — lift the effort a little',
      'Bike: Cadence 70 rpm for 30 s, floor 80 rpm — shift down and spin faster',
    ]);
    const runPts = Array.from({ length: 8 }, (_, i) => point(i * 5, 'run', { cadence: 160 }));
    expect(run({}, runPts, { run_cadence_min: 170 }).alerts.map(formatAlert)).toEqual([
      'Run: Cadence 160 spm for 30 s, floor 170 spm — quicker, shorter steps',
    ]);
  });

  it('starts afresh when a threshold changes (a /control update applies from the next poll)', () => {
    const a = run({}, hrSeries(0, Array(8).fill(155)), { hr_max: 150 });
    expect(a.alerts).toHaveLength(1);
    // Still breaching the old ceiling, now also the new lower one: the new value alerts anew.
    const b = run(a.state, hrSeries(40, Array(8).fill(155)), { hr_max: 140 });
    expect(b.alerts.map((x) => x.threshold)).toEqual([140]);
    // Cleared threshold: nothing applies, state dropped.
    const c = run(b.state, hrSeries(80, Array(8).fill(155)), { hr_max: null });
    expect(c.alerts).toEqual([]);
    expect(c.state).toEqual({});
  });

  it('does not mutate the state it is given', () => {
    const a = run({}, hrSeries(0, [155, 155]), { hr_max: 150 });
    const frozen = JSON.stringify(a.state);
    run(a.state, hrSeries(10, Array(8).fill(155)), { hr_max: 150 });
    expect(JSON.stringify(a.state)).toBe(frozen);
  });
});
