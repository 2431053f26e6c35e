import { decideRaceEnd, isPlaceholderEnd, type RaceEndInput } from './race-end';

const MIN = 60_000;
const T0 = Date.parse('2025-06-01T07:00:00Z');

function input(over: Partial<RaceEndInput>): RaceEndInput {
  return {
    now: T0 + 60 * MIN,
    trackingStartedAt: T0,
    lastNewPointAt: T0 + 59 * MIN,
    staleStopMin: 15,
    minElapsedMin: 30,
    garminStart: T0,
    garminEnd: T0 + 24 * 60 * MIN, // live placeholder
    sawEndEvent: false,
    ...over,
  };
}

describe('decideRaceEnd', () => {
  it('keeps tracking a live race', () => {
    expect(decideRaceEnd(input({}))).toEqual({ stop: false });
  });

  it('stops on an END event, whatever else says', () => {
    const d = decideRaceEnd(input({ sawEndEvent: true, now: T0 + MIN, lastNewPointAt: T0 + MIN }));
    expect(d).toMatchObject({ stop: true, reason: 'end_event' });
  });

  describe('Garmin end', () => {
    it('stops on a real end in the past', () => {
      const end = T0 + 55 * MIN;
      expect(decideRaceEnd(input({ garminEnd: end }))).toEqual({
        stop: true,
        reason: 'garmin_end',
        detail: 'Garmin reports the activity ended at 2025-06-01T07:55:00.000Z',
      });
    });

    it('stops when the end equals now', () => {
      expect(decideRaceEnd(input({ garminEnd: T0 + 60 * MIN }))).toMatchObject({ stop: true, reason: 'garmin_end' });
    });

    it('ignores an end still in the future', () => {
      expect(decideRaceEnd(input({ garminEnd: T0 + 61 * MIN }))).toEqual({ stop: false });
    });

    it('ignores the start + 24 h placeholder even once it has passed, within ±5 min', () => {
      const now = T0 + 25 * 60 * MIN;
      const fresh = { now, lastNewPointAt: now - MIN };
      expect(decideRaceEnd(input({ ...fresh, garminEnd: T0 + 24 * 60 * MIN }))).toEqual({ stop: false });
      expect(decideRaceEnd(input({ ...fresh, garminEnd: T0 + 24 * 60 * MIN - 5 * MIN }))).toEqual({ stop: false });
      expect(decideRaceEnd(input({ ...fresh, garminEnd: T0 + 24 * 60 * MIN + 4 * MIN }))).toEqual({ stop: false });
      // 6 minutes off is a real end.
      expect(decideRaceEnd(input({ ...fresh, garminEnd: T0 + 24 * 60 * MIN - 6 * MIN }))).toMatchObject({
        stop: true,
        reason: 'garmin_end',
      });
    });

    it('treats an end as real when the start is unknown', () => {
      expect(decideRaceEnd(input({ garminStart: null, garminEnd: T0 + 50 * MIN }))).toMatchObject({ reason: 'garmin_end' });
    });

    it('ignores an end before the start', () => {
      expect(decideRaceEnd(input({ garminStart: T0, garminEnd: T0 - MIN }))).toEqual({ stop: false });
    });

    it('does nothing without an end', () => {
      expect(decideRaceEnd(input({ garminEnd: null }))).toEqual({ stop: false });
    });
  });

  describe('stale rule', () => {
    it('stops after staleStopMin without new points once minElapsed has passed', () => {
      const d = decideRaceEnd(input({ now: T0 + 57.3 * MIN, lastNewPointAt: T0 + 42.3 * MIN, garminEnd: null }));
      expect(d).toEqual({ stop: true, reason: 'stale', detail: 'no new point for 15.0 min after 57.3 min of tracking' });
    });

    it('does not stop one second before the stale window', () => {
      const d = decideRaceEnd(input({ now: T0 + 57.3 * MIN - 1000, lastNewPointAt: T0 + 42.3 * MIN }));
      expect(d).toEqual({ stop: false });
    });

    it('never stops before minElapsed, even with no data at all', () => {
      const d = decideRaceEnd(input({ now: T0 + 29.9 * MIN, lastNewPointAt: null }));
      expect(d).toEqual({ stop: false });
    });

    it('stops with no data at all once minElapsed has passed', () => {
      const d = decideRaceEnd(input({ now: T0 + 30 * MIN, lastNewPointAt: null }));
      expect(d).toEqual({ stop: true, reason: 'stale', detail: 'no point received in 30.0 min of tracking' });
    });

    it('sparse early data: a long gap early does not stop before minElapsed', () => {
      // One point at 2 min, nothing since; at 20 min the gap is 18 > 15 but elapsed < 30.
      expect(decideRaceEnd(input({ now: T0 + 20 * MIN, lastNewPointAt: T0 + 2 * MIN }))).toEqual({ stop: false });
      // At 30 min it stops: gap 28 min, elapsed 30 min.
      expect(decideRaceEnd(input({ now: T0 + 30 * MIN, lastNewPointAt: T0 + 2 * MIN }))).toEqual({
        stop: true,
        reason: 'stale',
        detail: 'no new point for 28.0 min after 30.0 min of tracking',
      });
    });

    it('honours decimal minutes', () => {
      const base = { staleStopMin: 0.5, minElapsedMin: 1.5, garminEnd: null };
      expect(decideRaceEnd(input({ ...base, now: T0 + 89_999, lastNewPointAt: T0 })).stop).toBe(false);
      expect(decideRaceEnd(input({ ...base, now: T0 + 90_000, lastNewPointAt: T0 + 60_000 }))).toEqual({
        stop: true,
        reason: 'stale',
        detail: 'no new point for 0.5 min after 1.5 min of tracking',
      });
      expect(decideRaceEnd(input({ ...base, now: T0 + 90_000, lastNewPointAt: T0 + 60_001 })).stop).toBe(false);
    });

    it('a point arriving resets the window', () => {
      expect(decideRaceEnd(input({ now: T0 + 120 * MIN, lastNewPointAt: T0 + 119 * MIN })).stop).toBe(false);
    });
  });
});

describe('isPlaceholderEnd', () => {
  it('recognises start + 24 h within 5 min only', () => {
    expect(isPlaceholderEnd(T0, T0 + 24 * 60 * MIN)).toBe(true);
    expect(isPlaceholderEnd(T0, T0 + 24 * 60 * MIN + 5 * MIN)).toBe(true);
    expect(isPlaceholderEnd(T0, T0 + 24 * 60 * MIN + 5 * MIN + 1)).toBe(false);
    expect(isPlaceholderEnd(T0, T0 + 3 * 60 * MIN)).toBe(false);
    expect(isPlaceholderEnd(null, T0)).toBe(false);
  });
});
