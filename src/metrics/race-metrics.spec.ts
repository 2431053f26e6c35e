import fc from 'fast-check';
import type { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import { MetricsAccumulator } from './metrics-accumulator';
import { computeMetrics, RaceMetrics } from './race-metrics';
import { pt, pts, T0 } from './test-points';

const phys = { ftp_w: 250, cp_w: 250, w_prime_j: 20000, lthr_bpm: 160, run_lthr_bpm: 165 };

describe('RaceMetrics', () => {
  it('routes points to a race accumulator and one per leg, legs in order of appearance', () => {
    const race = [
      ...pts(0, 60, 5, (s) => ({ leg: 'swim', speedMps: 1, distanceM: s, heartRate: 130 })),
      ...pts(65, 100, 5, () => ({ leg: 't1', speedMps: 2, heartRate: 140 })),
      ...pts(105, 400, 5, (s) => ({ leg: 'bike', speedMps: 10, distanceM: 10 * s, power: 200, heartRate: 145 })),
    ];
    const r = computeMetrics(race, phys);
    expect(r.legs.map((l) => l.leg)).toEqual(['swim', 't1', 'bike']);
    expect(r.race.duration_s).toBe(400);
    expect(r.legs[0]).toMatchObject({ leg: 'swim', duration_s: 60, distance_m: 60, avg_pace_s_per_km: 1000 });
    expect(r.legs[2]).toMatchObject({ leg: 'bike', duration_s: 295, avg_power_w: 200, avg_pace_s_per_km: null });
    expect(r.race.avg_pace_s_per_km).toBeNull(); // mixed sports
  });

  it('W′ balance is one race-long series: not reset between legs', () => {
    const race = [
      ...pts(0, 99, 1, () => ({ leg: 'bike', power: 350 })), // 100 s at CP + 100 W
      pt(100, { leg: 't2' }), // 10 s, no power: W′ does not move
      ...pts(110, 170, 1, () => ({ leg: 'run', power: 150 })), // run power meter: recovery from 10000 J
    ];
    const r = computeMetrics(race, phys);
    const now = Math.round(20000 - 10000 * (1 - 100 / 20000) ** 60);
    expect(r.race).toMatchObject({ w_bal_min_j: 10000, w_bal_now_j: now });
    const [bike, t2, run] = r.legs;
    expect(bike).toMatchObject({ w_bal_min_j: 10000, w_bal_now_j: 10000 });
    expect(t2).toMatchObject({ w_bal_min_j: null, w_bal_now_j: null });
    expect(run).toMatchObject({ w_bal_min_j: 10050, w_bal_now_j: now });
    // A lone run accumulator would have started full: the race carries it instead.
    const alone = new MetricsAccumulator();
    alone.add(race.slice(101));
    expect(alone.snapshot(phys).w_bal_min_j).toBe(20000);
  });

  it('computeMetrics sorts unsorted input, then equals the live path', () => {
    const race = pts(0, 300, 3, (s) => ({ power: 100 + (s % 7) * 30, heartRate: 120 + (s % 11) }));
    const live = new RaceMetrics();
    live.add(race);
    expect(computeMetrics([...race].reverse(), phys)).toEqual(live.snapshot(phys));
  });

  describe('batching gives exactly the one-batch result', () => {
    const legs: Leg[] = ['swim', 't1', 'bike', 't2', 'run', 'other'];
    const value = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });
    const pointArb = fc.record({
      // 0 = same time as the previous point; 1..45 s crosses the 30 s gap rule; some sub-second offsets
      dtMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 45 }).map((s) => s * 1000), fc.integer({ min: 1, max: 45_000 })),
      power: value(fc.integer({ min: 0, max: 700 })),
      hr: value(fc.integer({ min: 80, max: 200 })),
      speed: value(fc.double({ min: 0, max: 20, noNaN: true })),
      dist: fc.double({ min: 0, max: 50, noNaN: true }),
      legStep: fc.integer({ min: 0, max: 20 }),
    });

    const build = (raw: Array<{ dtMs: number; power: number | null; hr: number | null; speed: number | null; dist: number; legStep: number }>) => {
      let t = T0;
      let d = 0;
      let leg = 0;
      return raw.map((r): TrackpointRecord => {
        t += r.dtMs;
        d += r.dist;
        if (r.legStep === 0) leg = (leg + 1) % legs.length;
        return { ...pt(0), time: t, power: r.power, heartRate: r.hr, speedMps: r.speed, distanceM: d, leg: legs[leg] };
      });
    };

    it('random splits, boundary points repeated, snapshots taken in between', () => {
      fc.assert(
        fc.property(fc.array(pointArb, { minLength: 1, maxLength: 400 }), fc.array(fc.nat(), { maxLength: 8 }), (raw, cuts) => {
          const points = build(raw);
          const whole = computeMetrics(points, phys);
          const live = new RaceMetrics();
          const at = [...new Set(cuts.map((c) => c % (points.length + 1)))].sort((a, b) => a - b);
          let from = 0;
          for (const c of [...at, points.length]) {
            // each batch starts again at the previous batch's last point, as `begin` is inclusive
            live.add(points.slice(Math.max(0, from - 1), c));
            live.snapshot(phys);
            from = c;
          }
          expect(live.snapshot(phys)).toEqual(whole);
        }),
        { numRuns: 300 },
      );
    });

    it('explicit split of a long ride with the same boundary point twice', () => {
      const ride = pts(0, 7200, 4, (s) => ({ power: 150 + ((s * 37) % 250), heartRate: 130 + ((s * 13) % 40), speedMps: 9, distanceM: 9 * s }));
      const whole = computeMetrics(ride, phys);
      const live = new RaceMetrics();
      live.add(ride.slice(0, 500));
      live.add(ride.slice(499, 1200));
      live.add(ride.slice(1199));
      expect(live.snapshot(phys)).toEqual(whole);
      expect(whole.race.decoupling_pct).not.toBeNull();
      expect(whole.race.w_bal_min_j).not.toBeNull();
    });
  });
});
