// A watch restarted mid-race: the athlete's device stops its activity without an END (crash, flat
// battery swap, a wrong button) and a new one starts a few minutes later, continuing the same race.
// Garmin sees two LiveTrack sessions: the second counts distance and duration from 0 again.
import type { GarminTrackPoint } from '../tracking/garmin.types';
import type { GeneratedRace } from './race-generator';

export interface WatchRestartOptions {
  /** Race minutes from the start at which the first activity stops (its last point is the last one at or before). */
  atMin: number;
  /** Minutes until the new activity's first point (the athlete stands while the watch restarts). Default 3. */
  gapMin?: number;
}

/**
 * Splits a race into the two sessions a restarted watch gives: `before` ends without END at
 * `atMin`; `after` holds the rest of the race `gapMin` later, its totalDistanceMeters and
 * totalDurationSecs counted from its first point (a new activity), positions and sensors as they
 * were. Neither race shares objects with the input.
 */
export function splitAtWatchRestart(race: GeneratedRace, opts: WatchRestartOptions): { before: GeneratedRace; after: GeneratedRace } {
  const gapMs = (opts.gapMin ?? 3) * 60_000;
  if (!(gapMs > 0)) throw new RangeError('gapMin must be > 0');
  const startMs = race.start.getTime();
  const cutMs = startMs + opts.atMin * 60_000;
  const time = (p: GarminTrackPoint) => Date.parse(String(p.dateTime));
  const cut = race.points.findIndex((p) => time(p) > cutMs);
  if (!(opts.atMin > 0) || cut <= 0) throw new RangeError('atMin must fall inside the race, after its first point');

  const before = race.points.slice(0, cut).map((p) => ({ ...p }));
  const last = before[before.length - 1];
  // No END: the activity was never saved.
  const events = Array.isArray(last.eventTypes) ? last.eventTypes.filter((e) => e !== 'END') : [];
  last.eventTypes = events.length ? events : ['WAYPOINT'];

  const rest = race.points.slice(cut);
  const base = rest.find((p) => typeof p.totalDistanceMeters === 'number');
  const distance0 = typeof base?.totalDistanceMeters === 'number' ? base.totalDistanceMeters : 0;
  const duration0 = typeof base?.totalDurationSecs === 'number' ? base.totalDurationSecs : 0;
  const after = rest.map((p) => {
    const iso = new Date(time(p) + gapMs).toISOString();
    const moved: GarminTrackPoint = { ...p, dateTime: iso, reportedTime: iso };
    if (typeof p.totalDistanceMeters === 'number') moved.totalDistanceMeters = Math.round((p.totalDistanceMeters - distance0) * 10) / 10;
    if (typeof p.totalDurationSecs === 'number') moved.totalDurationSecs = p.totalDurationSecs - duration0;
    return moved;
  });

  const lastBeforeMs = time(last);
  const firstAfterMs = time(after[0]);
  const clip = (from: number, to: number, shift: number) =>
    race.legs
      .map((l) => ({ leg: l.leg, from: new Date(Math.max(l.from.getTime() + shift, from)), to: new Date(Math.min(l.to.getTime() + shift, to)) }))
      .filter((l) => l.from.getTime() < l.to.getTime());
  return {
    before: { points: before, start: new Date(startMs), end: new Date(lastBeforeMs), legs: clip(startMs, lastBeforeMs, 0), courses: race.courses },
    after: {
      points: after,
      start: new Date(firstAfterMs),
      end: new Date(race.end.getTime() + gapMs),
      legs: clip(firstAfterMs, race.end.getTime() + gapMs, gapMs),
      // The same roads: the athlete only stood a while.
      courses: race.courses,
    },
  };
}
