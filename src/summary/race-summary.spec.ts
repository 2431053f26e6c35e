import { RaceSessionEntity } from '../storage/race-session.entity';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { buildRaceSummary } from './race-summary';

const T0 = Date.UTC(2026, 5, 1, 7, 0, 0);

function point(sec: number, leg: TrackpointRecord['leg'], extra: Partial<TrackpointRecord> = {}): TrackpointRecord {
  return {
    time: T0 + sec * 1000, lat: null, lon: null, altitudeM: null, speedMps: null, distanceM: null, durationS: null,
    heartRate: null, cadence: null, power: null, activityType: null, leg, status: 'MOVING', ...extra,
  };
}

function session(extra: Partial<RaceSessionEntity> = {}): RaceSessionEntity {
  return Object.assign(new RaceSessionEntity(), {
    id: 'abc-1', shareUrl: 'https://livetrack.garmin.com/session/abc-1/token/SECRET', raceConfig: { race_name: 'Test 70.3' },
    thresholds: { hr_max: 150, power_max: 200, run_cadence_min: 170 }, state: 'finished', stopReason: 'end_event', stopDetail: 'END event',
    sessionName: 'Morning', athlete: 'Ann', startedAt: T0 - 60_000, stoppedAt: T0 + 3_600_000, alertsSent: 3, analysisRuns: 4,
    analysisErrors: 1, lastAnalysisAt: T0 + 1_800_000, lastAnalysisResult: 'sent', ...extra,
  });
}

describe('buildRaceSummary', () => {
  it('reports per-leg and total figures, time over thresholds, alerts and analysis cycles', () => {
    const points = [
      point(0, 'swim', { distanceM: 0, heartRate: 120 }),
      point(10, 'swim', { distanceM: 15, heartRate: 130 }),
      point(20, 'bike', { distanceM: 20, heartRate: 150, power: 210, cadence: 85 }),
      point(30, 'bike', { distanceM: 120, heartRate: 155, power: 190, cadence: 95 }),
      point(40, 'run', { distanceM: 130, heartRate: 160, cadence: 160 }),
      point(50, 'run', { distanceM: 160, heartRate: 162, cadence: 180 }),
    ];
    const s = buildRaceSummary(session(), points);
    expect(s).toMatchObject({
      session_id: 'abc-1', race_name: 'Test 70.3', race_type: 'triathlon', state: 'finished', active: false,
      stop_reason: 'end_event', alerts_sent: 3, analysis: { runs: 4, errors: 1, last_result: 'sent' },
      first_point_at: new Date(T0).toISOString(), last_point_at: new Date(T0 + 50_000).toISOString(),
    });
    expect(s.legs.map((l) => l.leg)).toEqual(['swim', 'bike', 'run']);
    expect(s.legs[1]).toMatchObject({
      duration_s: 10, distance_m: 100, points: 2, heart_rate: { avg: 152.5, max: 155 }, power: { avg: 200, max: 210 },
      cadence: { avg: 90, max: 95 }, time_over_thresholds_s: { hr_max: 0, power_max: 10 },
    });
    expect(s.legs[2].time_over_thresholds_s).toEqual({ run_cadence_min: 10 });
    expect(s.totals).toMatchObject({
      duration_s: 50, distance_m: 160, points: 6, heart_rate: { max: 162 }, power: { avg: 200, max: 210 },
      cadence_bike_rpm: { avg: 90, max: 95 }, cadence_run_spm: { avg: 170, max: 180 },
      time_over_thresholds_s: { hr_max: 0, power_max: 10, run_cadence_min: 10 },
    });
    expect(s.thresholds).toMatchObject({ hr_max: 150, power_max: 200, run_cadence_min: 170, hr_min: null });
    // the summary never carries the share URL (its token is a secret)
    expect(JSON.stringify(s)).not.toContain('SECRET');
  });

  it('answers for a session without points', () => {
    const s = buildRaceSummary(session({ state: 'active', stopReason: null, stoppedAt: null }), []);
    expect(s).toMatchObject({ active: true, legs: [], first_point_at: null, totals: { points: 0, duration_s: 0, distance_m: null } });
  });
});
