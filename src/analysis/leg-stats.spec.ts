import { TrackpointRecord } from '../storage/trackpoint.types';
import { seriesStats, summarizeLegs, thresholdsForLeg } from './leg-stats';

const T0 = Date.UTC(2026, 5, 1, 7, 0, 0);

function point(sec: number, leg: TrackpointRecord['leg'], extra: Partial<TrackpointRecord> = {}): TrackpointRecord {
  return {
    time: T0 + sec * 1000, lat: null, lon: null, altitudeM: null, speedMps: null, distanceM: null, durationS: null,
    heartRate: null, cadence: null, power: null, activityType: null, leg, status: 'MOVING', ...extra,
  };
}

describe('thresholdsForLeg', () => {
  const all = { hr_max: 150, power_max: 200, cadence_min: 80, run_hr_max: 160, run_cadence_min: 170 };
  it('applies bike fields on the bike, run_* on the run and none in swim or transitions', () => {
    expect(thresholdsForLeg('bike', all).map((t) => t.field)).toEqual(['hr_max', 'power_max', 'cadence_min']);
    expect(thresholdsForLeg('run', all).map((t) => t.field)).toEqual(['run_hr_max', 'run_cadence_min']);
    expect(thresholdsForLeg('swim', all)).toEqual([]);
    expect(thresholdsForLeg('t1', all)).toEqual([]);
  });
});

describe('seriesStats', () => {
  it('ignores nulls instead of counting them as zero', () => {
    expect(seriesStats([100, null, 110, 120])).toEqual({ avg: 110, min: 100, max: 120, last: 120, samples: 3 });
    expect(seriesStats([null, null])).toEqual({ avg: null, min: null, max: null, last: null, samples: 0 });
  });
});

describe('summarizeLegs', () => {
  it('splits by leg and computes distance, elevation gain, time outside thresholds and gaps', () => {
    const pts = [
      point(0, 'swim', { distanceM: 0, heartRate: 130 }),
      point(10, 'swim', { distanceM: 15, heartRate: 140 }),
      point(20, 'bike', { distanceM: 20, altitudeM: 100, heartRate: 150, power: 210 }),
      point(30, 'bike', { distanceM: 120, altitudeM: 110, heartRate: 155, power: 190 }),
      point(40, 'bike', { distanceM: 220, altitudeM: 105, heartRate: 140, power: 220 }),
      point(200, 'bike', { distanceM: 1800, altitudeM: 120, heartRate: 140, power: 150 }),
    ];
    const [swim, bike] = summarizeLegs(pts, { hr_max: 150, power_max: 200 });
    expect(swim).toMatchObject({ leg: 'swim', distance_m: 15, points: 2, duration_s: 10, time_outside_s: {} });
    expect(bike.leg).toBe('bike');
    expect(bike.distance_m).toBe(1780);
    expect(bike.elevation_gain_m).toBe(25); // +10, -5, +15
    // 150 is not above 150; 155 for 10 s is; the 160 s silence is a gap, not time outside.
    expect(bike.time_outside_s).toEqual({ hr_max: 10, power_max: 10 });
    expect(bike.gaps).toEqual({ count: 1, total_s: 160 });
    expect(bike.heart_rate).toMatchObject({ max: 155, min: 140, last: 140 });
  });
});
