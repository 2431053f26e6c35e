// The hand-checkable vectors the coaching issue names, each with the reason for its value.
import { MetricsAccumulator } from './metrics-accumulator';
import type { Metrics, Physiology } from './metrics.types';
import { pt, pts } from './test-points';

const snap = (points: ReturnType<typeof pts>, phys: Physiology = {}): Metrics => {
  const acc = new MetricsAccumulator();
  acc.add(points);
  return acc.snapshot(phys);
};

describe('coaching issue vectors', () => {
  it('30/30 s intervals of 100/300 W for an hour: NP 221.9 W against a 200 W average', () => {
    // The 30 s trailing mean of a 30/30 square wave is a triangle wave between 100 and 300 W; the
    // 4th-power mean of a uniform 100..300 W is (300⁵ − 100⁵) / (5 × 200) = 2.42e9, 4th root 221.8 W.
    // The 1 Hz series walks that triangle in 31 discrete levels (100, 106.7, …, 300 W) with both
    // ends included, which lifts the 4th-power mean slightly: 221.9 W.
    const ride = pts(0, 3600, 1, (s) => ({ power: Math.floor(s / 30) % 2 === 0 ? 100 : 300, speedMps: 10 }));
    const m = snap(ride, { ftp_w: 250 });
    expect(m.avg_power_w).toBe(200);
    expect(m.np_w).toBe(221.9);
    expect(m.vi).toBeCloseTo(1.11, 2);
  });

  it('a 40 s gap is no data: its seconds are out of the averages and moving time', () => {
    const ride = [
      ...pts(0, 600, 5, () => ({ power: 200, heartRate: 140, speedMps: 10 })),
      ...pts(640, 1240, 5, () => ({ power: 300, heartRate: 150, speedMps: 10 })),
    ];
    const m = snap(ride);
    expect(m.duration_s).toBe(1240);
    expect(m.moving_s).toBe(1200); // 600 + 600; the 40 s between 600 and 640 are left out
    expect(m.avg_power_w).toBe(250);
    expect(m.avg_hr_bpm).toBe(145);
  });

  it('zones on a known series: 10 min each at 50, 70, 85, 100, 115, 140, 160 % of FTP 200', () => {
    const pct = [50, 70, 85, 100, 115, 140, 160];
    const ride = pts(0, 7 * 600, 1, (s) => ({ power: (pct[Math.min(6, Math.floor(s / 600))] * 200) / 100, heartRate: 150, speedMps: 9 }));
    const m = snap(ride, { ftp_w: 200, lthr_bpm: 150 });
    expect(m.time_in_power_zones_s).toEqual([600, 600, 600, 600, 600, 600, 600]);
    expect(m.time_in_hr_zones_s).toEqual([0, 0, 0, 0, 4200]); // 100 % of LTHR: Z5 (lower bound inclusive)
  });

  it('W′ balance: CP 250, W′ 20 kJ, 60 s at 450 W → 8 kJ left', () => {
    const ride = pts(0, 60, 1, () => ({ power: 450, speedMps: 10 }));
    const m = snap(ride, { cp_w: 250, w_prime_j: 20000 });
    expect(m.w_bal_now_j).toBe(8000);
    expect(m.w_bal_min_j).toBe(8000);
  });

  it('decoupling on a synthetic 10 % drift: same power, HR 10 % higher in the second half → 9.1 %', () => {
    // ratio first = 200/140, second = 200/154: (1 − 140/154) × 100 = 9.09 %.
    const ride = pts(0, 3600, 5, (s) => ({ power: 200, heartRate: s < 1800 ? 140 : 154, speedMps: 10 }));
    expect(snap(ride).decoupling_pct).toBeCloseTo(9.09, 1);
    // Output 10 % lower at the same HR (Pa:HR on the run): exactly 10 %.
    const run = pts(0, 3600, 5, (s) => ({ leg: 'run', speedMps: s < 1800 ? 3.5 : 3.15, heartRate: 150 }));
    expect(snap(run).decoupling_pct).toBeCloseTo(10, 1);
  });
});
