import type { GarminTrackPoint } from '../tracking/garmin.types';
import { LiveTrackSimulator } from './livetrack-simulator';
import { generateSingleSport } from './race-generator';
import { splitAtWatchRestart } from './watch-restart';

const START = new Date('2026-06-01T07:00:00.000Z');
const time = (p: GarminTrackPoint) => Date.parse(String(p.dateTime));

describe('splitAtWatchRestart', () => {
  const race = generateSingleSport({ seed: 7, start: START, sport: 'bike', durationMin: 20 });
  const { before, after } = splitAtWatchRestart(race, { atMin: 8, gapMin: 3 });

  it('ends the first session without END at atMin and keeps every point once across both', () => {
    expect(before.points.length + after.points.length).toBe(race.points.length);
    expect(time(before.points[before.points.length - 1])).toBeLessThanOrEqual(START.getTime() + 8 * 60_000);
    expect(before.points.some((p) => Array.isArray(p.eventTypes) && p.eventTypes.includes('END'))).toBe(false);
    expect(after.points[after.points.length - 1].eventTypes).toEqual(['END']);
    // The input is untouched.
    expect(race.points[race.points.length - 1].eventTypes).toEqual(['END']);
    expect(before.end.getTime()).toBe(time(before.points[before.points.length - 1]));
  });

  it('starts the second session gapMin later as a new activity: distance and duration from 0, positions as they were', () => {
    const firstAfter = after.points[0];
    const original = race.points[before.points.length];
    expect(time(firstAfter) - time(original)).toBe(3 * 60_000);
    expect(after.start.getTime()).toBe(time(firstAfter));
    expect(firstAfter.totalDistanceMeters).toBe(0);
    expect(firstAfter.totalDurationSecs).toBe(0);
    expect(firstAfter.position).toEqual(original.position);
    const lastAfter = after.points[after.points.length - 1];
    const lastOriginal = race.points[race.points.length - 1];
    expect(lastAfter.totalDistanceMeters).toBeCloseTo(Number(lastOriginal.totalDistanceMeters) - Number(original.totalDistanceMeters), 1);
    expect(after.end.getTime()).toBe(race.end.getTime() + 3 * 60_000);
    expect(after.legs).toEqual([{ leg: 'bike', from: after.start, to: after.end }]);
  });

  it('refuses a restart outside the race', () => {
    expect(() => splitAtWatchRestart(race, { atMin: 0 })).toThrow(RangeError);
    expect(() => splitAtWatchRestart(race, { atMin: 25 })).toThrow(RangeError);
    expect(() => splitAtWatchRestart(race, { atMin: 5, gapMin: 0 })).toThrow(RangeError);
  });

  it('serves the two sessions from the simulator under one athlete name, B starting 3 min after A ends', () => {
    const sim = new LiveTrackSimulator({ seed: 3 });
    const { before: a, after: b } = sim.addWatchRestart({ race, atMin: 8, athlete: 'Zoë Müller' });
    expect(a.sessionId).not.toBe(b.sessionId);
    expect([a.athlete, b.athlete]).toEqual(['Zoë Müller', 'Zoë Müller']);
    const metaB = sim.metadata(b.sessionId);
    expect(Date.parse(String(metaB.start)) - time(a.race.points[a.race.points.length - 1])).toBe(3 * 60_000 + 5_000);
  });
});
