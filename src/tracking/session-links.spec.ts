import type { TrackpointRecord } from '../storage/trackpoint.types';
import { chainOffsets, choosePrevious, continuePoints, LINK_WINDOW_MS, LinkFields, linkRefusal, sameAthlete, sessionStartOf } from './session-links';

const T0 = Date.UTC(2026, 5, 1, 7);
const MIN = 60_000;

const session = (id: string, over: Partial<LinkFields> = {}): LinkFields => ({
  id, athleteKey: 'zoe', athlete: 'Zoë Müller', lastPointAt: T0, previousSessionId: null, nextSessionId: null, garminStart: null, startedAt: T0 - 60 * MIN, stopReason: null,
  ...over,
});

describe('linked sessions: which earlier session a new one continues', () => {
  const next = session('B', { lastPointAt: null, garminStart: T0 + 3 * MIN });
  const start = T0 + 3 * MIN;

  it('links a session of the same athlete whose last point is before the new start, within 6 h', () => {
    expect(linkRefusal(next, start, session('A'))).toBeNull();
    expect(linkRefusal(next, T0 + LINK_WINDOW_MS, session('A'))).toBeNull();
    expect(linkRefusal(next, T0, session('A'))).toBeNull();
  });

  it('refuses itself, a session already continued, a new session already continuing one, and a cycle', () => {
    expect(linkRefusal(next, start, session('B'))).toBe('the session itself');
    expect(linkRefusal(next, start, session('A', { nextSessionId: 'C' }))).toBe('already continued by another session');
    expect(linkRefusal({ ...next, previousSessionId: 'X' }, start, session('A'))).toBe('the new session already continues another');
    expect(linkRefusal(next, start, session('A', { previousSessionId: 'B' }))).toBe('it continues the new session');
  });

  it('refuses a gap over 6 h, a last point after the new start (both live at once) and a session without points', () => {
    expect(linkRefusal(next, T0 + LINK_WINDOW_MS + 1, session('A'))).toMatch(/more than 6 h/);
    expect(linkRefusal(next, start, session('A', { lastPointAt: start + 1 }))).toMatch(/after the new session started/);
    expect(linkRefusal(next, start, session('A', { lastPointAt: null }))).toBe('no point stored');
  });

  it('refuses another athlete: another profile, a profile on one side only, or no profile on either', () => {
    expect(linkRefusal(next, start, session('A', { athleteKey: 'bob' }))).toBe('another athlete');
    expect(linkRefusal(next, start, session('A', { athleteKey: null }))).toBe('another athlete');
    // Without profiles, even the same Garmin name is not enough: linking ends the earlier race.
    const unmatched = { ...next, athleteKey: null };
    expect(linkRefusal(unmatched, start, session('A', { athleteKey: null }))).toBe('another athlete');
    expect(linkRefusal(unmatched, start, session('A', { athleteKey: null, athlete: null }))).toBe('another athlete');
  });

  it('refuses a session the athlete ended (Garmin END): a warm-up or an earlier race is not a restarted watch', () => {
    expect(linkRefusal(next, start, session('A', { stopReason: 'end_event' }))).toMatch(/END/);
    expect(linkRefusal(next, start, session('A', { stopReason: 'garmin_end' }))).toMatch(/END/);
    expect(linkRefusal(next, start, session('A', { stopReason: 'stale' }))).toBeNull();
    expect(linkRefusal(next, start, session('A', { stopReason: null }))).toBeNull();
  });

  it('the same athlete is the same profile, whatever Garmin calls them', () => {
    expect(sameAthlete({ athleteKey: 'zoe' }, { athleteKey: 'zoe' })).toBe(true);
    expect(sameAthlete({ athleteKey: null }, { athleteKey: null })).toBe(false);
    expect(sameAthlete({ athleteKey: 'zoe' }, { athleteKey: 'bob' })).toBe(false);
  });

  it('chooses, among the allowed, the session with the newest last point', () => {
    const older = session('A1', { lastPointAt: T0 - 60 * MIN });
    const newer = session('A2', { lastPointAt: T0 });
    const taken = session('A3', { lastPointAt: T0 + MIN, nextSessionId: 'Z' });
    expect(choosePrevious(next, start, [older, newer, taken])?.id).toBe('A2');
    expect(choosePrevious(next, start, [older])?.id).toBe('A1');
    expect(choosePrevious(next, start, [taken])).toBeNull();
    expect(choosePrevious(next, start, [])).toBeNull();
  });

  it("takes a session's start from Garmin, else its first point, else when tracking began", () => {
    expect(sessionStartOf({ garminStart: 5, startedAt: 9 }, 7)).toBe(5);
    expect(sessionStartOf({ garminStart: null, startedAt: 9 }, 7)).toBe(7);
    expect(sessionStartOf({ garminStart: null, startedAt: 9 })).toBe(9);
  });
});

describe('linked sessions: one race across a restarted watch', () => {
  const point = (sec: number, distanceM: number | null, durationS: number | null): TrackpointRecord => ({
    time: T0 + sec * 1000, lat: 46.5, lon: 6.6, altitudeM: 400, speedMps: 9, distanceM, durationS,
    heartRate: 140, cadence: 88, power: 200, activityType: 'CYCLING', leg: 'bike', status: 'MOVING',
  });

  it("continues each later session from the earlier ones' totals", () => {
    expect(chainOffsets([{ distanceM: 1000, durationS: 300 }, { distanceM: 500, durationS: null }, { distanceM: 0, durationS: 0 }])).toEqual([
      { distanceM: 0, durationS: 0 },
      { distanceM: 1000, durationS: 300 },
      { distanceM: 1500, durationS: 300 },
    ]);
  });

  it('adds the offset to distance and duration only, keeping absent values absent', () => {
    const out = continuePoints([point(0, 0, 0), point(5, null, null)], { distanceM: 1000, durationS: 300 });
    expect(out).toEqual([{ ...point(0, 0, 0), distanceM: 1000, durationS: 300 }, point(5, null, null)]);
    const same = [point(0, 10, 1)];
    expect(continuePoints(same, { distanceM: 0, durationS: 0 })).toBe(same);
  });
});
