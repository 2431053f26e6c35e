import { EMPTY_THRESHOLDS } from '../control/thresholds';
import type { CourseProgress } from '../course/course.types';
import type { Metrics, RaceMetricsSnapshot } from '../metrics/metrics.types';
import { pts, T0 } from '../metrics/test-points';
import type { TrackpointRecord } from '../storage/trackpoint.types';
import { RACE_CONFIG_DEFAULTS } from '../tracking/race-config';
import type { SessionStatus } from '../tracking/session-status';
import { advanceMotion, INITIAL_MOTION } from './board-status';
import { againstThresholds, boardCard, BoardCard, boardSnapshot, CardInput, recentMean } from './board-view';

function status(over: Partial<SessionStatus> = {}): SessionStatus {
  return {
    session_id: 's1', active: true, state: 'active', stop_reason: null, watching_until: null, race_name: 'Lake 70.3', athlete: 'Ana',
    elapsed_s: 4000, stale_s: 3, last_point_at: new Date(T0 + 3600_000).toISOString(), points: 700, alerts_sent: 2, current_leg: 'bike',
    thresholds: { ...EMPTY_THRESHOLDS, hr_max: 150, power_min: 180, power_max: 260, run_hr_max: 160 },
    race_config: { ...RACE_CONFIG_DEFAULTS, poll_interval_secs: 10 },
    ...over,
  } as unknown as SessionStatus;
}

const metric = (m: Partial<Metrics>): Metrics => ({ np_w: null, decoupling_pct: null, ...m }) as Metrics;
const METRICS: RaceMetricsSnapshot = {
  race: metric({ np_w: 212.4, decoupling_pct: 9.9 }),
  legs: [{ leg: 'swim', ...metric({ decoupling_pct: 1 }) }, { leg: 'bike', ...metric({ np_w: 220, decoupling_pct: 4.26 }) }],
};

/** Bike points every 5 s up to 3600 s: HR 140 then 160 over the last 30 s, power 200. */
const ride = pts(3000, 3600, 5, (s) => ({
  leg: 'bike', speedMps: 10, distanceM: 40_000 + (s - 3000) * 10, durationS: s, heartRate: s > 3570 ? 160 : 140, power: 200, cadence: 90,
}));

function input(over: Partial<CardInput> = {}, points: TrackpointRecord[] = ride): CardInput {
  return { status: status(), recent: points, motion: advanceMotion(INITIAL_MOTION, points), metrics: METRICS, course: null, ...over };
}

describe('board card', () => {
  it("shows Garmin's cumulative distance and race clock of the newest point, the race NP and the current leg's decoupling", () => {
    const card = boardCard(input());
    expect(card).toMatchObject({
      session_id: 's1', name: 'Ana', race_name: 'Lake 70.3', leg: 'bike', distance_m: 46_000, elapsed_s: 3600,
      np_w: 212, decoupling_pct: 4.3, alerts_sent: 2, last_point_age_s: 3, still_for_s: null, eta: null,
    });
  });

  it('takes "now" as the mean of the last 30 s and flags it against the leg\'s thresholds', () => {
    const card = boardCard(input());
    // Points at 3570 s (140 bpm) and 3575…3600 s (160 bpm): (140 + 6 × 160) / 7 ≈ 157.
    expect(card.heart_rate).toEqual({ value: 157, state: 'over', limit: 'hr_max 150' });
    expect(card.power).toEqual({ value: 200, state: 'ok', limit: 'power_max 260, power_min 180' });
    expect(card.cadence).toEqual({ value: 90, state: null, limit: null });
    expect(card.speed_mps.value).toBe(10);
    expect(card.status).toBe('over threshold');
    expect(recentMean(ride, 'heartRate')).toBeCloseTo((140 + 6 * 160) / 7, 6);
  });

  it('uses the run thresholds on the run (no power bounds there) and flags values under a floor', () => {
    expect(againstThresholds(170, 'run', 'heart_rate', status().thresholds)).toMatchObject({ state: 'over', limit: 'run_hr_max 160' });
    expect(againstThresholds(300, 'run', 'power', status().thresholds)).toEqual({ value: 300, state: null, limit: null });
    expect(againstThresholds(150, 'bike', 'power', status().thresholds)).toMatchObject({ state: 'under', limit: 'power_min 180' });
    expect(againstThresholds(null, 'bike', 'power', status().thresholds).state).toBeNull();
    expect(againstThresholds(150, 't1', 'heart_rate', status().thresholds).state).toBeNull();
  });

  it('says "stopped moving" after more than 5 min standing still on the bike, with how long', () => {
    const stop = pts(3605, 3960, 5, () => ({ leg: 'bike', speedMps: 0, distanceM: 46_000, durationS: 0, heartRate: 120 }));
    const card = boardCard(input({}, [...ride, ...stop]));
    expect(card.status).toBe('stopped moving');
    expect(card.still_for_s).toBe(355);
    expect(card.distance_m).toBe(46_000);
  });

  it('says "no data" after 3 poll intervals without a new point and "finished" once done', () => {
    expect(boardCard(input({ status: status({ stale_s: 31 }) })).status).toBe('no data');
    expect(boardCard(input({ status: status({ active: false, state: 'finished', stale_s: null, stop_reason: 'stale', watching_until: '2026-06-01T20:00:00Z' }) })).status).toBe('no data');
    const done = boardCard(input({ status: status({ active: false, state: 'finished', stale_s: null, stop_reason: 'end_event' }) }));
    expect(done).toMatchObject({ status: 'finished', rank: 4, stop_reason: 'end_event' });
  });

  it('gives the ETA to the next checkpoint and the finish, counted from the newest point', () => {
    const newest = T0 + 3600_000;
    const course: CourseProgress = {
      distance_m: 90_000, distance_done_m: 46_000, distance_to_go_m: 44_000.4, progress_pct: 51.11, off_course_m: 3,
      eta: new Date(newest + 4400_000).toISOString(),
      next_checkpoint: { name: 'Aid 3', distance_to_go_m: 3999.6, eta: new Date(newest + 400_000).toISOString() },
    };
    expect(boardCard(input({ course })).eta).toEqual({
      finish: course.eta, finish_in_s: 4400, progress_pct: 51.1, distance_to_go_m: 44_000,
      next_checkpoint: { name: 'Aid 3', distance_to_go_m: 4000, eta: course.next_checkpoint!.eta, eta_in_s: 400 },
    });
  });

  it('falls back to the race name or id, the tracked time, and nulls before any point', () => {
    const card = boardCard(input({ status: status({ athlete: null, stale_s: 0 }), metrics: null }, []));
    expect(card).toMatchObject({ name: 'Lake 70.3', leg: 'bike', distance_m: null, elapsed_s: 4000, np_w: null, decoupling_pct: null, status: 'ok' });
    expect(card.heart_rate).toEqual({ value: null, state: null, limit: null });
    expect(boardCard(input({ status: status({ athlete: null, race_name: null }) })).name).toBe('s1');
  });
});

describe('board snapshot', () => {
  it('lists followed athletes worst first and finished races apart, in the order given', () => {
    const card = (session_id: string, name: string, s: BoardCard['status']) => ({ ...boardCard(input()), session_id, name, status: s });
    const snap = boardSnapshot(
      [card('a', 'Ana', 'ok'), card('f1', 'Old', 'finished'), card('b', 'Bo', 'stopped moving'), card('c', 'Cy', 'over threshold'), card('f0', 'Older', 'finished')],
      Date.UTC(2026, 5, 1),
    );
    expect(snap.active.map((c) => c.session_id)).toEqual(['b', 'c', 'a']);
    expect(snap.finished.map((c) => c.session_id)).toEqual(['f1', 'f0']);
    expect(snap.server_time).toBe('2026-06-01T00:00:00.000Z');
  });
});
