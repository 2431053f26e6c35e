import { computeMetrics } from '../metrics';
import { Rng } from '../simulator/prng';
import { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import { evaluateFuel, formatFuelReminder, fuelBaseline, FuelState, heldSeconds, initialFuelState } from './fuel-rules';

const T0 = Date.UTC(2026, 5, 1, 7, 0, 0);

function point(sec: number, leg: Leg, speedMps: number | null): TrackpointRecord {
  return {
    time: T0 + sec * 1000, lat: null, lon: null, altitudeM: null, speedMps, distanceM: null, durationS: null,
    heartRate: null, cadence: null, power: null, activityType: null, leg, status: 'MOVING',
  };
}

/** Points every `step` s over [from, to] (both included). */
function series(from: number, to: number, leg: Leg, speed: number | null, step = 5): TrackpointRecord[] {
  const out: TrackpointRecord[] = [];
  for (let t = from; t <= to; t += step) out.push(point(t, leg, speed));
  return out;
}

/** Reminder times as seconds from T0. */
const secs = (r: Array<{ at: number }>) => r.map((x) => (x.at - T0) / 1000);

describe('evaluateFuel', () => {
  it('swim 30 min + bike 50 min at 20 min: reminders at bike moving minutes 20 and 40, none in the swim', () => {
    // Swim 0..1795 s (its last interval, 1795→1800, is swim time), bike from 1800 s to 4800 s.
    const pts = [...series(0, 1795, 'swim', 1.0), ...series(1800, 4800, 'bike', 10)];
    const { reminders, state } = evaluateFuel(initialFuelState(), pts, 20);
    expect(secs(reminders)).toEqual([1800 + 20 * 60, 1800 + 40 * 60]);
    expect(reminders.map((r) => [r.leg, r.moving_s, r.since])).toEqual([['bike', 1200, 'start'], ['bike', 1200, 'reminder']]);
    // 10 min of bike moving time since the second reminder.
    expect(state.movingS).toBe(600);
  });

  it('does not count an interval over 30 s (a gap), but counts one of exactly 30 s', () => {
    // 0..55 s: 55 s counted; 55 → 95 is a 40 s gap; 95 → 100 brings it to 60 s.
    const gap = [...series(0, 55, 'bike', 10), ...series(95, 120, 'bike', 10)];
    expect(secs(evaluateFuel(initialFuelState(), gap, 1).reminders)).toEqual([100]);
    const thirty = [point(0, 'bike', 10), point(30, 'bike', 10), point(60, 'bike', 10)];
    expect(secs(evaluateFuel(initialFuelState(), thirty, 1).reminders)).toEqual([60]);
  });

  it('does not count a stop (speed 0 or ≤ 0.5 m/s) nor a point without speed', () => {
    // Moving 0..15 (4 intervals, 20 s); stopped points 20..45 (their 6 intervals count nothing);
    // moving again from 50: 40 more seconds → due at 90 s instead of 60 s.
    const pts = [...series(0, 15, 'bike', 10), ...series(20, 45, 'bike', 0), ...series(50, 120, 'bike', 10)];
    expect(secs(evaluateFuel(initialFuelState(), pts, 1).reminders)).toEqual([90]);
    const slow = [...series(0, 15, 'run', 3), ...series(20, 45, 'run', 0.5), ...series(50, 120, 'run', 3)];
    expect(secs(evaluateFuel(initialFuelState(), slow, 1).reminders)).toEqual([90]);
    const noSpeed = [...series(0, 15, 'run', 3), ...series(20, 45, 'run', null), ...series(50, 120, 'run', 3)];
    expect(secs(evaluateFuel(initialFuelState(), noSpeed, 1).reminders)).toEqual([90]);
  });

  it('does not count transitions (even jogging through them) and carries the bike count into the run', () => {
    // Bike 0..40: 9 intervals = 45 s. T2 45..100 at 1.5 m/s: nothing. Run from 105: 15 s more → 120.
    const pts = [...series(0, 40, 'bike', 10), ...series(45, 100, 't2', 1.5), ...series(105, 200, 'run', 3)];
    const { reminders } = evaluateFuel(initialFuelState(), pts, 1);
    expect(secs(reminders)).toEqual([120, 180]);
    expect(reminders.map((r) => r.leg)).toEqual(['run', 'run']);
    const t1 = series(0, 600, 't1', 2);
    expect(evaluateFuel(initialFuelState(), t1, 1).reminders).toEqual([]);
  });

  it('counts nothing on a leg outside a triathlon\'s bike and run (race type other)', () => {
    expect(evaluateFuel(initialFuelState(), series(0, 600, 'other', 5), 1).reminders).toEqual([]);
  });

  it('gives the same reminders whatever the batch boundaries', () => {
    const pts = [...series(0, 1795, 'swim', 1.0), ...series(1800, 2395, 't1', 0), ...series(2400, 7200, 'bike', 10, 7)];
    const whole = evaluateFuel(initialFuelState(), pts, 15).reminders;
    expect(whole.length).toBe(5);
    for (const size of [1, 3, 17, 100]) {
      let state: FuelState = initialFuelState();
      const got: number[] = [];
      for (let i = 0; i < pts.length; i += size) {
        const r = evaluateFuel(state, pts.slice(i, i + size), 15);
        state = r.state;
        got.push(...r.reminders.map((x) => x.at));
      }
      expect(got).toEqual(whole.map((x) => x.at));
    }
  });

  it('carries only the overshoot past the due moment, so reminders keep to the period on an uneven grid', () => {
    // Points every 7 s: 60 s is reached at 63 s (3 s carried), 120 s at 126 s, 180 s at 182 s…
    const pts = series(0, 400, 'bike', 10, 7);
    const got = secs(evaluateFuel(initialFuelState(), pts, 1).reminders);
    // Reminder k is the first point at or after k × 60 s (all moving, no gaps).
    const expected = [60, 120, 180, 240, 300, 360].map((k) => Math.ceil(k / 7) * 7);
    expect(got).toEqual(expected);
  });

  it('ignores points not newer than the last one taken (a repeated batch boundary)', () => {
    const a = evaluateFuel(initialFuelState(), series(0, 50, 'bike', 10), 1);
    const b = evaluateFuel(a.state, [...series(30, 50, 'bike', 10), ...series(55, 70, 'bike', 10)], 1);
    expect(secs(b.reminders)).toEqual([60]);
  });

  it('keeps the count when fuel_every_min changes; a lowered period gives one reminder, then a full period', () => {
    const first = evaluateFuel(initialFuelState(), series(0, 900, 'bike', 10), 20);
    expect(first.reminders).toEqual([]);
    expect(first.state.movingS).toBe(900);
    // Now 10 min: 900 s counted already, so due at the next moving interval (905 s), with 905 s counted.
    const second = evaluateFuel(first.state, series(905, 2000, 'bike', 10), 10);
    // Then 5 s carried (the interval 900→905 only), so a full 10 min later: 1500 s.
    expect(secs(second.reminders)).toEqual([905, 1500]);
    expect(formatFuelReminder(second.reminders[0])).toBe('Bike: fuel now — 15 min moving since the start (gel + water)');
    // Raised instead: the count carries on towards the new, longer period (900 + 900 → 1800 s).
    const raised = evaluateFuel(first.state, series(905, 2400, 'bike', 10), 30);
    expect(secs(raised.reminders)).toEqual([1800]);
  });

  it('stops counting when switched off (null) and counts afresh once switched on again', () => {
    const on = evaluateFuel(initialFuelState(), series(0, 900, 'bike', 10), 20);
    const off = evaluateFuel(on.state, series(905, 1500, 'bike', 10), null);
    expect(off.reminders).toEqual([]);
    expect(off.state.movingS).toBe(0);
    const again = evaluateFuel(off.state, series(1505, 3000, 'bike', 10), 20);
    // Counting from the last point taken while off (1500 s): 20 min later.
    expect(secs(again.reminders)).toEqual([1500 + 1200]);
    expect(formatFuelReminder(again.reminders[0])).toBe('Bike: fuel now — 20 min moving since reminders were switched on (gel + water)');
  });

  it('after a restart counts from the newest point only (no burst for the backlog)', () => {
    const backlog = series(0, 3 * 3600, 'bike', 10);
    const base = fuelBaseline(backlog[backlog.length - 1]);
    expect(base.movingS).toBe(0);
    const next = evaluateFuel(base, series(3 * 3600 + 5, 3 * 3600 + 1500, 'bike', 10), 20);
    expect(secs(next.reminders)).toEqual([3 * 3600 + 1200]);
    expect(formatFuelReminder(next.reminders[0])).toBe('Bike: fuel now — 20 min moving since tracking resumed (gel + water)');
  });

  it('writes short messages for the athlete, per leg', () => {
    const pts = [...series(0, 2400, 'bike', 10), ...series(2405, 4800, 'run', 3)];
    const texts = evaluateFuel(initialFuelState(), pts, 40).reminders.map(formatFuelReminder);
    expect(texts).toEqual([
      'Bike: fuel now — 40 min moving since the start (gel + water)',
      'Run: fuel now — 40 min moving since the last reminder (gel + water)',
    ]);
  });

  it('counts 1 Hz seconds like the metrics (ceil of whole seconds) and does not mutate its input', () => {
    expect(heldSeconds(500, 5500)).toBe(5);
    expect(heldSeconds(0, 4200)).toBe(5);
    expect(heldSeconds(1000, 1999)).toBe(1);
    const state = evaluateFuel(initialFuelState(), series(0, 30, 'bike', 10), 1).state;
    const frozen = JSON.stringify(state);
    evaluateFuel(state, series(35, 200, 'bike', 10), 1);
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('counts exactly the moving_s of the metrics over bike and run (irregular points, gaps, stops, fractional times)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rng = new Rng(seed);
      const legs: Leg[] = ['swim', 't1', 'bike', 't2', 'run'];
      const pts: TrackpointRecord[] = [];
      let ms = T0 + rng.int(0, 999);
      for (const leg of legs) {
        for (let i = 0; i < 400; i++) {
          // Mostly 1–12 s apart, sometimes a 31–120 s gap; times off the whole second.
          ms += rng.chance(0.03) ? rng.int(31_000, 120_000) : rng.int(1_000, 12_000) + rng.int(0, 999);
          const stopped = rng.chance(0.1);
          pts.push({ ...point(0, leg, stopped ? rng.range(0, 0.5) : rng.chance(0.05) ? null : rng.range(0.6, 12)), time: ms });
        }
      }
      const { reminders, state } = evaluateFuel(initialFuelState(), pts, 1);
      // The race-wide moving_s with swim and transition points made stationary: the same step hold
      // over the whole race, so a leg's last interval (into the next leg) belongs to that leg.
      const onlyBikeRun = pts.map((p) => (p.leg === 'bike' || p.leg === 'run' ? p : { ...p, speedMps: 0 }));
      expect(reminders.length * 60 + state.movingS).toBe(computeMetrics(onlyBikeRun).race.moving_s);
      expect(reminders.length).toBeGreaterThan(10);
    }
  });
});
