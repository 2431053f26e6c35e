import { emptyMetrics, MetricsAccumulator } from './metrics-accumulator';
import type { Metrics } from './metrics.types';
import { METRIC_FIELDS } from './metrics.types';
import { pt, pts } from './test-points';

const snap = (points: ReturnType<typeof pts>, phys = {}): Metrics => {
  const acc = new MetricsAccumulator();
  acc.add(points);
  return acc.snapshot(phys);
};

describe('MetricsAccumulator', () => {
  it('has exactly the contract fields, all null before any point', () => {
    const m = new MetricsAccumulator().snapshot({ ftp_w: 250 });
    expect(Object.keys(m).sort()).toEqual([...METRIC_FIELDS].sort());
    expect(m).toEqual(emptyMetrics());
  });

  it('one point: zero duration, nothing else', () => {
    const m = snap([pt(0, { power: 200, heartRate: 140, speedMps: 9, distanceM: 100 })], { ftp_w: 250, lthr_bpm: 160 });
    expect(m).toMatchObject({ duration_s: 0, moving_s: 0, distance_m: 0, avg_power_w: null, np_w: null, avg_hr_bpm: null, time_in_power_zones_s: null });
  });

  it('constant 200 W for 1 h on FTP 250: NP 200, IF 0.8, TSS 64', () => {
    const ride = pts(0, 3600, 1, (s) => ({ power: 200, heartRate: 140, speedMps: 10, distanceM: 10 * s }));
    const m = snap(ride, { ftp_w: 250, lthr_bpm: 160 });
    expect(m).toMatchObject({
      duration_s: 3600, moving_s: 3600, distance_m: 36000, avg_power_w: 200, np_w: 200, vi: 1, if: 0.8, tss: 64,
      avg_hr_bpm: 140, max_hr_bpm: 140, avg_speed_mps: 10, avg_pace_s_per_km: null,
    });
    expect(m.time_in_power_zones_s).toEqual([0, 0, 3600, 0, 0, 0, 0]); // 80 % of FTP: Z3
    expect(m.time_in_hr_zones_s).toEqual([0, 3600, 0, 0, 0]); // 87.5 % of LTHR: Z2
    // Same ride sampled every 5 s: step hold gives the same figures.
    expect(snap(pts(0, 3600, 5, (s) => ({ power: 200, heartRate: 140, speedMps: 10, distanceM: 10 * s })), { ftp_w: 250, lthr_bpm: 160 })).toEqual(m);
  });

  it('step hold: each point holds until the next (points every 5 s)', () => {
    const m = snap(
      [
        pt(0, { power: 100, heartRate: 120, speedMps: 5 }),
        pt(5, { power: 200, heartRate: 130, speedMps: 0.5 }),
        pt(10, { power: 300, heartRate: 140, speedMps: 0.6 }),
        pt(15, { power: 400, heartRate: 150, speedMps: 7 }), // newest: opens an interval, counts once the next point arrives
      ],
      { ftp_w: 200 },
    );
    expect(m).toMatchObject({ duration_s: 15, moving_s: 10, avg_power_w: 200, avg_hr_bpm: 130, max_hr_bpm: 140, np_w: null });
    expect(m.time_in_power_zones_s).toEqual([5, 0, 0, 5, 0, 0, 5]);
  });

  it('a null sensor is no value for that sensor only; zeros count', () => {
    const m = snap([
      pt(0, { power: 0, heartRate: null, speedMps: 8 }),
      pt(10, { power: null, heartRate: 150, speedMps: 8 }),
      pt(20, { power: 300, heartRate: 160, speedMps: null }),
      pt(30, {}),
    ]);
    expect(m).toMatchObject({ moving_s: 20, avg_power_w: 150, avg_hr_bpm: 155 });
  });

  describe('gaps: 30 s is still data, 31 s is not', () => {
    const ride = (gap: number) => [
      ...pts(0, 60, 1, () => ({ power: 100, speedMps: 8, heartRate: 130 })),
      ...pts(60 + gap, 120 + gap, 1, () => ({ power: 300, speedMps: 8, heartRate: 150 })),
    ];
    // Independent NP: rolling 30 s means over each run of consecutive seconds.
    const np = (runs: number[][]): number => {
      const means: number[] = [];
      for (const r of runs) for (let i = 29; i < r.length; i++) means.push(r.slice(i - 29, i + 1).reduce((a, b) => a + b, 0) / 30);
      return (means.reduce((a, m) => a + m ** 4, 0) / means.length) ** 0.25;
    };

    it('30 s: the held point fills the 30 seconds, the window keeps rolling', () => {
      const m = snap(ride(30), { ftp_w: 200 });
      expect(m.duration_s).toBe(150);
      expect(m.moving_s).toBe(150); // 60 + 30 held + 60
      expect(m.avg_power_w).toBe(180); // (90 × 100 + 60 × 300) / 150
      expect(m.avg_hr_bpm).toBe(138);
      expect(m.np_w).toBeCloseTo(np([[...Array(90).fill(100), ...Array(60).fill(300)]]), 1);
      expect(m.time_in_power_zones_s!.reduce((a, b) => a + b)).toBe(150);
    });

    it('31 s: the gap seconds are out of everything and the window restarts', () => {
      const m = snap(ride(31), { ftp_w: 200 });
      expect(m.duration_s).toBe(151);
      expect(m.moving_s).toBe(120);
      expect(m.avg_power_w).toBe(200);
      expect(m.np_w).toBeCloseTo(np([Array(60).fill(100), Array(60).fill(300)]), 1);
      expect(m.time_in_power_zones_s).toEqual([60, 0, 0, 0, 0, 0, 60]);
    });
  });

  it('NP needs 30 s of power in one stretch', () => {
    expect(snap(pts(0, 29, 1, () => ({ power: 200 }))).np_w).toBeNull();
    expect(snap(pts(0, 30, 1, () => ({ power: 200 }))).np_w).toBe(200);
    // 2 × 20 s split by a gap: never a full window.
    expect(snap([...pts(0, 20, 1, () => ({ power: 200 })), ...pts(60, 80, 1, () => ({ power: 200 }))]).np_w).toBeNull();
  });

  describe('W′ balance (CP 250, W′ 20000)', () => {
    const phys = { cp_w: 250, w_prime_j: 20000 };
    const hard = pts(0, 99, 1, () => ({ power: 350 }));
    const easy = pts(100, 160, 1, () => ({ power: 150 }));

    it('350 W for 100 s leaves 10000 J', () => {
      const acc = new MetricsAccumulator();
      acc.add([...hard, easy[0]]);
      expect(acc.snapshot(phys)).toMatchObject({ w_bal_min_j: 10000, w_bal_now_j: 10000 });
    });

    it('then recovers: deficit × (1 − (CP − P) / W′) per second', () => {
      const m = snap([...hard, ...easy], phys);
      expect(m.w_bal_min_j).toBe(10000);
      expect(m.w_bal_now_j).toBe(Math.round(20000 - 10000 * (1 - 100 / 20000) ** 60));
    });

    it('null without CP/W′ or without power; a physiology change recomputes', () => {
      const acc = new MetricsAccumulator();
      acc.add([...hard, ...easy]);
      expect(acc.snapshot({ cp_w: 250 })).toMatchObject({ w_bal_min_j: null, w_bal_now_j: null });
      expect(snap(pts(0, 10, 1, () => ({ heartRate: 150 })), phys).w_bal_now_j).toBeNull();
      acc.snapshot(phys);
      const other = { cp_w: 300, w_prime_j: 15000 };
      expect(acc.snapshot(other)).toEqual(snap([...hard, ...easy], other));
      expect(acc.snapshot(other).w_bal_min_j).toBe(10000); // 15000 − 100 × 50
    });
  });

  describe('HR zones: run on run_lthr, else lthr', () => {
    const mixed = [...pts(0, 9, 1, () => ({ heartRate: 150, leg: 'bike' as const })), ...pts(10, 20, 1, () => ({ heartRate: 150, leg: 'run' as const }))];

    it('bike 150 on LTHR 160 is Z3, run 150 on run LTHR 150 is Z5', () => {
      expect(snap(mixed, { lthr_bpm: 160, run_lthr_bpm: 150 }).time_in_hr_zones_s).toEqual([0, 0, 10, 0, 10]);
    });

    it('run falls back to lthr; a needed threshold missing gives null', () => {
      expect(snap(mixed, { lthr_bpm: 160 }).time_in_hr_zones_s).toEqual([0, 0, 20, 0, 0]);
      expect(snap(mixed, { run_lthr_bpm: 150 }).time_in_hr_zones_s).toBeNull();
      expect(snap(mixed.slice(10), { run_lthr_bpm: 150 }).time_in_hr_zones_s).toEqual([0, 0, 0, 0, 10]);
      expect(snap(mixed, { lthr_bpm: -1, run_lthr_bpm: 150 }).time_in_hr_zones_s).toBeNull();
    });
  });

  describe('decoupling', () => {
    it('bike: same power, HR drifting 140 → 150: (1 − 140/150) × 100', () => {
      const ride = pts(0, 2400, 1, (s) => ({ power: 200, heartRate: s < 1200 ? 140 : 150 }));
      expect(snap(ride).decoupling_pct).toBeCloseTo(6.67, 2);
    });

    it('bike: linear HR drift from 140 to 154 over 40 min with 5 s points', () => {
      const ride = pts(0, 2400, 5, (s) => ({ power: 220, heartRate: 140 + (14 * s) / 2400 }));
      // halves of 1200 s each: mean HR 143.49 and 150.49 (point values held 5 s).
      const mean = (a: number, b: number) => {
        let sum = 0;
        for (let s = a; s < b; s++) sum += 140 + (14 * (Math.floor(s / 5) * 5)) / 2400;
        return sum / (b - a);
      };
      const first = 220 / mean(0, 1200);
      const second = 220 / mean(1200, 2400);
      expect(snap(ride).decoupling_pct).toBeCloseTo(((first - second) / first) * 100, 2);
    });

    it('run: speed output, slowing at the same HR', () => {
      const run = pts(0, 2400, 1, (s) => ({ leg: 'run', speedMps: s < 1200 ? 3.5 : 3.3, heartRate: 150 }));
      expect(snap(run).decoupling_pct).toBeCloseTo(((3.5 - 3.3) / 3.5) * 100, 2);
    });

    it('needs 20 minutes with both values', () => {
      expect(snap(pts(0, 1199, 1, () => ({ power: 200, heartRate: 140 }))).decoupling_pct).toBeNull();
      expect(snap(pts(0, 1200, 1, () => ({ power: 200, heartRate: 140 }))).decoupling_pct).toBe(0);
      // HR missing half the time: only 1000 paired seconds.
      expect(snap(pts(0, 2000, 1, (s) => ({ power: 200, heartRate: s % 2 ? 140 : null }))).decoupling_pct).toBeNull();
    });

    it('null when bike power and run speed mix (a triathlon as a whole)', () => {
      const tri = [
        ...pts(0, 1500, 1, () => ({ leg: 'bike', power: 200, heartRate: 140 })),
        ...pts(1501, 3000, 1, () => ({ leg: 'run', speedMps: 3.5, heartRate: 150 })),
      ];
      expect(snap(tri).decoupling_pct).toBeNull();
    });
  });

  describe('speed and pace', () => {
    it('run: 10 km in 3000 moving seconds after 10 min standing → 300 s/km', () => {
      const run = [
        ...pts(0, 590, 10, () => ({ leg: 'run', speedMps: 0, distanceM: 0 })),
        ...pts(600, 3600, 10, (s) => ({ leg: 'run', speedMps: 10 / 3, distanceM: ((s - 600) * 10) / 3 })),
      ];
      const m = snap(run);
      expect(m).toMatchObject({ duration_s: 3600, moving_s: 3000, distance_m: 10000, avg_speed_mps: 3.333, avg_pace_s_per_km: 300 });
    });

    it('pace is for the run and the swim, null on the bike', () => {
      const go = (leg: 'run' | 'swim' | 'bike') => snap(pts(0, 1000, 5, (s) => ({ leg, speedMps: 2, distanceM: 2 * s })));
      expect(go('run').avg_pace_s_per_km).toBe(500);
      expect(go('swim').avg_pace_s_per_km).toBe(500);
      expect(go('bike').avg_pace_s_per_km).toBeNull();
      expect(go('bike').avg_speed_mps).toBe(2);
    });

    it('distance uses the first and last non-null distance', () => {
      const m = snap([pt(0, { distanceM: null }), pt(5, { distanceM: 100, speedMps: 1 }), pt(10, { distanceM: 150 }), pt(15, { distanceM: null })]);
      expect(m.distance_m).toBe(50);
    });
  });

  it('ignores points not newer than the last one (repeated batch boundary)', () => {
    const acc = new MetricsAccumulator();
    acc.add([pt(0, { power: 100 }), pt(10, { power: 200 })]);
    acc.add([pt(10, { power: 999 }), pt(5, { power: 999 }), pt(20, { power: 100 })]);
    expect(acc.lastTime).toBe(pt(20).time);
    expect(acc.snapshot().avg_power_w).toBe(150);
  });
});
