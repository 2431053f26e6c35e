import type { TrackpointView } from '../tracking/session-status';
import { compactSeries } from './downsample';

const T0 = Date.UTC(2026, 5, 1, 7, 0, 0);

function view(sec: number, extra: Partial<TrackpointView> = {}): TrackpointView {
  return {
    time: new Date(T0 + sec * 1000).toISOString(), lat: 1, lon: 2, altitude_m: 100, speed_mps: 8.123, distance_m: sec * 8,
    duration_s: sec, heart_rate: 140, cadence: 90, power: 200, activity_type: 'CYCLING', leg: 'bike', status: 'MOVING', ...extra,
  };
}

describe('compactSeries', () => {
  it('returns every point, rounded, when there are no more than the limit', () => {
    const out = compactSeries([view(0), view(1, { heart_rate: null })], 120);
    expect(out).toMatchObject({ points: 2, returned: 2, downsampled: false, bucket_s: null, note: null });
    expect(out.series[0]).toEqual({
      time: new Date(T0).toISOString(), leg: 'bike', heart_rate: 140, power: 200, cadence: 90, speed_mps: 8.12, distance_m: 0, altitude_m: 100, samples: 1,
    });
    expect(out.series[1].heart_rate).toBeNull();
  });

  it('averages 1,200 one-second points into 120 buckets of 10 s and says so', () => {
    const points = Array.from({ length: 1200 }, (_, i) => view(i, { heart_rate: i % 2 ? 150 : 130, power: i % 10 === 0 ? null : 210 }));
    const out = compactSeries(points, 120);
    expect(out.downsampled).toBe(true);
    expect(out.bucket_s).toBe(10);
    expect(out.returned).toBe(120);
    expect(out.note).toBe('downsampled 1,200 points to 120 buckets of 10 s (averages per bucket; distance is the bucket\'s last value)');
    expect(out.series[0]).toMatchObject({ heart_rate: 140, power: 210, samples: 10, distance_m: 72, time: new Date(T0).toISOString() });
    expect(out.series.reduce((n, b) => n + b.samples, 0)).toBe(1200);
  });

  it('never exceeds the limit for any span, except one extra bucket per leg change', () => {
    for (const n of [121, 200, 601, 999]) {
      const points = Array.from({ length: n }, (_, i) => view(i * 3));
      const out = compactSeries(points, 120);
      expect(out.returned).toBeLessThanOrEqual(120);
      expect(out.series.reduce((s, b) => s + b.samples, 0)).toBe(n);
    }
    const mixed = Array.from({ length: 300 }, (_, i) => view(i, { leg: i < 155 ? 'bike' : 'run', cadence: i < 155 ? 90 : 170 }));
    const out = compactSeries(mixed, 120);
    expect(out.returned).toBeLessThanOrEqual(121);
    // bike rpm and run steps/min are never averaged together
    expect(out.series.every((b) => b.cadence === 90 || b.cadence === 170)).toBe(true);
  });

  it('keeps nulls as null when a bucket has no value for a metric', () => {
    const points = Array.from({ length: 300 }, (_, i) => view(i, { power: null }));
    expect(compactSeries(points, 100).series.every((b) => b.power === null)).toBe(true);
  });
});
