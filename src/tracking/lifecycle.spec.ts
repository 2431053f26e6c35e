import { decideLifecycle, LifecycleInput, linkExpiresAt, LINK_LIFE_MS, shouldRevive } from './lifecycle';

const MIN = 60_000;
const T0 = Date.parse('2026-06-01T06:25:00Z'); // tracking starts; Garmin's session started at T0 too

function input(over: Partial<LifecycleInput>): LifecycleInput {
  return {
    mode: 'active',
    now: T0 + 40 * MIN,
    trackingStartedAt: T0,
    lastNewPointAt: T0 + 39 * MIN,
    staleStopMin: 15,
    minElapsedMin: 30,
    garminStart: T0,
    garminEnd: T0 + LINK_LIFE_MS, // the live placeholder
    sawEndEvent: false,
    garminForgot: false,
    firstPointAt: T0,
    ...over,
  };
}

describe('race-day lifecycle', () => {
  describe('a triathlon whose swim is an hour without points (stale 15 min after 30 min)', () => {
    // Tracking started 35 min before the swim went quiet.
    const quietFrom = T0 + 35 * MIN;

    it('stays active for the first 15 silent minutes', () => {
      expect(decideLifecycle(input({ now: quietFrom + 14.9 * MIN, lastNewPointAt: quietFrom }))).toEqual({ action: 'continue' });
    });

    it('stops provisionally at 15 silent minutes and watches until the link expires', () => {
      const d = decideLifecycle(input({ now: quietFrom + 15 * MIN, lastNewPointAt: quietFrom }));
      expect(d).toMatchObject({ action: 'watch', reason: 'stale', watchingUntil: T0 + LINK_LIFE_MS });
      expect((d as { detail: string }).detail).toMatch(/no new point for 15\.0 min.*watching for new points until 2026-06-02T06:25:00.000Z/);
    });

    it('keeps watching through the rest of the swim (silence is what a watch expects)', () => {
      expect(decideLifecycle(input({ mode: 'watching', now: quietFrom + 59 * MIN, lastNewPointAt: quietFrom }))).toEqual({ action: 'continue' });
    });

    it('revives when the bike points come, then tracks on as active', () => {
      expect(shouldRevive('watching', 12)).toBe(true);
      expect(shouldRevive('watching', 0)).toBe(false); // the inclusive `begin` point again is not new
      expect(shouldRevive('active', 12)).toBe(false);
      // After the revival the stale clock restarts from the new point.
      const after = quietFrom + 61 * MIN;
      expect(decideLifecycle(input({ now: after + 5 * MIN, lastNewPointAt: after }))).toEqual({ action: 'continue' });
    });
  });

  it('names a stale stop `gone` while Garmin answers 404', () => {
    const d = decideLifecycle(input({ now: T0 + 60 * MIN, lastNewPointAt: T0 + 40 * MIN, garminForgot: true }));
    expect(d).toMatchObject({ action: 'watch', reason: 'gone' });
    expect((d as { detail: string }).detail).toMatch(/^Garmin answers 404/);
  });

  it('never stops before min_elapsed, even when silent from the start', () => {
    expect(decideLifecycle(input({ now: T0 + 29 * MIN, lastNewPointAt: null }))).toEqual({ action: 'continue' });
    expect(decideLifecycle(input({ now: T0 + 30 * MIN, lastNewPointAt: null }))).toMatchObject({ action: 'watch', reason: 'stale' });
  });

  describe('final stops', () => {
    it('END is final, also over a stale condition', () => {
      expect(decideLifecycle(input({ sawEndEvent: true, now: T0 + 90 * MIN, lastNewPointAt: T0 }))).toMatchObject({ action: 'final', reason: 'end_event' });
    });

    it("Garmin's real end is final, while active and while watching", () => {
      const garminEnd = T0 + 50 * MIN;
      expect(decideLifecycle(input({ garminEnd, now: T0 + 51 * MIN }))).toMatchObject({ action: 'final', reason: 'garmin_end' });
      expect(decideLifecycle(input({ mode: 'watching', garminEnd, now: T0 + 70 * MIN, lastNewPointAt: T0 + 20 * MIN }))).toMatchObject({ action: 'final', reason: 'garmin_end' });
    });

    it("a watch ends with `expired` when the link's 24 h are over", () => {
      const at = T0 + LINK_LIFE_MS;
      expect(decideLifecycle(input({ mode: 'watching', now: at - 1, lastNewPointAt: T0 + 20 * MIN }))).toEqual({ action: 'continue' });
      expect(decideLifecycle(input({ mode: 'watching', now: at, lastNewPointAt: T0 + 20 * MIN }))).toMatchObject({ action: 'final', reason: 'expired' });
    });

    it('an active session older than 24 h stops with `expired`, even while points arrive', () => {
      const now = T0 + LINK_LIFE_MS + MIN;
      expect(decideLifecycle(input({ now, lastNewPointAt: now - 1000 }))).toMatchObject({ action: 'final', reason: 'expired' });
    });

    it('a stale condition past the 24 h is expired, not watched', () => {
      const now = T0 + LINK_LIFE_MS + 20 * MIN;
      expect(decideLifecycle(input({ now, lastNewPointAt: now - 16 * MIN }))).toMatchObject({ action: 'final', reason: 'expired' });
    });
  });

  describe('linkExpiresAt', () => {
    it("is Garmin's start + 24 h", () => {
      expect(linkExpiresAt({ garminStart: T0 - 23 * 60 * MIN, firstPointAt: null, trackingStartedAt: T0 })).toBe(T0 + 60 * MIN);
    });

    it('falls back to the first point, then to our own tracking start', () => {
      expect(linkExpiresAt({ garminStart: null, firstPointAt: T0 - 60 * MIN, trackingStartedAt: T0 })).toBe(T0 - 60 * MIN + LINK_LIFE_MS);
      expect(linkExpiresAt({ garminStart: null, firstPointAt: null, trackingStartedAt: T0 })).toBe(T0 + LINK_LIFE_MS);
    });

    it('distrusts a start that had already expired when Garmin still answered (skew, replay)', () => {
      const ancient = T0 - 200 * 24 * 60 * MIN;
      expect(linkExpiresAt({ garminStart: ancient, firstPointAt: ancient, trackingStartedAt: T0 })).toBe(T0 + LINK_LIFE_MS);
      // … and one far in the future too.
      expect(linkExpiresAt({ garminStart: T0 + 5 * 60 * MIN, firstPointAt: null, trackingStartedAt: T0 })).toBe(T0 + LINK_LIFE_MS);
    });
  });
});
