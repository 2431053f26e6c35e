import { clock, describeMetrics } from './describe-metrics';
import { emptyMetrics } from './metrics-accumulator';
import type { Metrics } from './metrics.types';

const bike: Metrics = {
  ...emptyMetrics(),
  duration_s: 18000, moving_s: 17800, distance_m: 180000, avg_speed_mps: 10.112, avg_power_w: 190, np_w: 200, vi: 1.053,
  if: 0.8, tss: 320, avg_hr_bpm: 138, max_hr_bpm: 165, decoupling_pct: 7.1, time_in_hr_zones_s: [3600, 7200, 3600, 1800, 1800],
  time_in_power_zones_s: [600, 3000, 9000, 4000, 1000, 300, 100], w_bal_min_j: 8100, w_bal_now_j: 12300,
};

describe('describeMetrics', () => {
  it('one line per figure, saying what it means', () => {
    const lines = describeMetrics(bike, 'bike', { weight_kg: 70, w_prime_j: 20000 });
    expect(lines).toContain('decoupling 7.1 % over the bike: HR drifting up for the same power (above 5 % is the warning sign)');
    expect(lines).toContain('duration 5:00:00 over the bike, moving 4:56:40 (seconds above 0.5 m/s)');
    expect(lines.find((l) => l.startsWith('avg power'))).toBe('avg power 190 W (2.71 W/kg), coasting included');
    expect(lines.find((l) => l.startsWith('W′'))).toBe('W′ balance 12.3 kJ now (62 % of W′), lowest 8.1 kJ: anaerobic reserve left for efforts above CP');
    expect(lines.some((l) => l.startsWith('avg pace'))).toBe(false);
    expect(lines).toContain('VI 1.05: NP / avg power, 1.00 is perfectly even; steady');
    expect(lines).toContain('time in power zones Z1–Z7 (Coggan, % of FTP): 10:00, 50:00, 2:30:00, 1:06:40, 16:40, 5:00, 1:40');
    expect(lines).toHaveLength(12);
  });

  it('run wording and pace; nothing for null figures', () => {
    const run: Metrics = { ...emptyMetrics(), duration_s: 600, moving_s: 600, distance_m: 2000, avg_speed_mps: 3.333, avg_pace_s_per_km: 300, decoupling_pct: 2 };
    expect(describeMetrics(run, 'run')).toEqual([
      'duration 10:00 over the run, moving 10:00 (seconds above 0.5 m/s)',
      'distance 2.00 km, avg speed 12.0 km/h over moving time',
      'avg pace 5:00 /km over moving time',
      'decoupling 2.0 % over the run: HR holding steady for the pace (under 5 %: aerobically sound)',
    ]);
    expect(describeMetrics(emptyMetrics(), 'race')).toEqual([]);
  });

  it('swim pace also per 100 m', () => {
    expect(describeMetrics({ ...emptyMetrics(), avg_pace_s_per_km: 1200 }, 'swim')).toEqual(['avg pace 20:00 /km (2:00 /100 m) over moving time']);
  });

  it('clock', () => {
    expect([0, 59.6, 61, 3600, 3661].map(clock)).toEqual(['0:00', '1:00', '1:01', '1:00:00', '1:01:01']);
  });
});
