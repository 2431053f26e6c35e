import type { SessionStatus } from '../tracking/session-status';
import { cadenceUnit, distance, duration, recentDataText, statusText, thresholdsText } from './tool-text';

const status = (extra: Partial<SessionStatus> = {}) => ({
  session_id: 'abc', race_name: 'Lake 70.3', active: true, state: 'active', stale_s: 12, current_leg: 'bike', points: 1234,
  poll_errors: 0, last_error: null, elapsed_s: 3725, last_point_at: '2026-06-01T08:00:00.000Z', stop_reason: null, stop_detail: null,
  stopped_at: null, thresholds: { hr_max: 144, hr_min: null, power_max: 165, power_min: null, cadence_min: null, run_hr_max: null, run_hr_min: null, run_cadence_min: 170 },
  analysis: { runs: 2, errors: 0, last_at: null, last_result: null }, alerts_sent: 1, ...extra,
}) as unknown as SessionStatus;

describe('tool texts', () => {
  it('formats durations, distances and thresholds with units', () => {
    expect(duration(3725)).toBe('1:02:05');
    expect(duration(65)).toBe('1:05');
    expect(distance(1500)).toBe('1.50 km');
    expect(distance(null)).toBe('? km');
    expect(thresholdsText(status().thresholds)).toBe('hr_max 144 bpm, power_max 165 W, run_cadence_min 170 spm');
    expect(thresholdsText({ hr_max: null })).toBe('none set');
    expect(cadenceUnit('run')).toBe('spm');
    expect(cadenceUnit('bike')).toBe('rpm');
  });

  it('says what a live and a finished race are doing', () => {
    expect(statusText(status())).toBe(
      '"Lake 70.3" (session abc) is being tracked, leg bike: 1,234 points, last point 2026-06-01T08:00:00.000Z (new data 12 s ago), ' +
        'tracking for 1:02:05. Thresholds: hr_max 144 bpm, power_max 165 W, run_cadence_min 170 spm. Analyses 2, alerts sent 1.',
    );
    const done = statusText(status({ active: false, state: 'finished', stop_reason: 'end_event', stop_detail: 'END event', stopped_at: '2026-06-01T09:00:00.000Z' }));
    expect(done).toMatch(/^"Lake 70.3" \(session abc\) is finished \(end_event: END event\) at 2026-06-01T09:00:00.000Z: 1,234 points/);
  });

  it('describes recent data per leg, with the downsampling note and time over thresholds', () => {
    const m = (avg: number | null, max: number | null) => ({ avg, max });
    const t = recentDataText({
      session_id: 'abc', minutes: 10, points: 600, current_leg: 'run', note: 'downsampled 600 points to 120 buckets of 5 s',
      thresholds: { hr_max: 144 },
      legs: [
        { leg: 'bike', from: '2026-06-01T08:00:00Z', to: '2026-06-01T08:06:00Z', heart_rate: m(146.4, 150), power: m(200, 260), cadence: m(88, 94), time_over_thresholds_s: { hr_max: 120 } },
        { leg: 'run', from: '2026-06-01T08:07:00Z', to: '2026-06-01T08:10:00Z', heart_rate: m(150, 155), power: m(null, null), cadence: m(176, 180), time_over_thresholds_s: {} },
      ],
    });
    expect(t).toBe(
      'Last 10 min of session abc (now on run): 600 points; downsampled 600 points to 120 buckets of 5 s. Thresholds: hr_max 144 bpm.\n' +
        '- bike (6:00): HR avg 146 (max 150) bpm, power avg 200 (max 260) W, cadence avg 88 (max 94) rpm, beyond hr_max for 2:00\n' +
        '- run (3:00): HR avg 150 (max 155) bpm, cadence avg 176 (max 180) spm',
    );
  });
});
