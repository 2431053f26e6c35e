import type { GarminTrackPoint } from '../tracking/garmin.types';
import { generateSingleSport, generateTriathlon } from './race-generator';

const START = new Date('2026-06-01T07:00:00.000Z');
const FITNESS_FIELDS = [
  'heartRateBeatsPerMin',
  'cadenceCyclesPerMin',
  'powerWatts',
  'speed',
  'speedMetersPerSec',
  'totalDistanceMeters',
  'totalDurationSecs',
] as const;

const num = (v: unknown): number => {
  if (typeof v !== 'number') throw new Error(`expected number, got ${String(v)}`);
  return v;
};
const ofType = (points: GarminTrackPoint[], type: string) => points.filter((p) => p.activityType === type);

/** Distance in metres between two positions (equirectangular is plenty at these scales). */
function metres(a: GarminTrackPoint, b: GarminTrackPoint): number {
  const pa = a.position as { lat: number; lon: number };
  const pb = b.position as { lat: number; lon: number };
  const dy = (pb.lat - pa.lat) * 111_320;
  const dx = (pb.lon - pa.lon) * 111_320 * Math.cos((pa.lat * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

describe('generateTriathlon', () => {
  const race = generateTriathlon({ seed: 42, start: START });
  const points = race.points;

  it('is deterministic for a seed and differs across seeds', () => {
    expect(generateTriathlon({ seed: 42, start: START })).toEqual(race);
    const other = generateTriathlon({ seed: 43, start: START });
    expect(other.points).not.toEqual(points);
  });

  it('runs the legs in order swim, t1, bike, t2, run', () => {
    const runs: string[] = [];
    for (const p of points) if (runs[runs.length - 1] !== p.activityType) runs.push(String(p.activityType));
    expect(runs).toEqual(['SWIMMING', 'TRANSITION', 'CYCLING', 'TRANSITION', 'RUNNING']);
    expect(race.legs.map((l) => l.leg)).toEqual(['swim', 't1', 'bike', 't2', 'run']);
    for (let i = 1; i < race.legs.length; i++) expect(race.legs[i].from).toEqual(race.legs[i - 1].to);
    expect(race.legs[0].from).toEqual(race.start);
    expect(race.legs[4].to).toEqual(race.end);
  });

  it('has realistic leg durations', () => {
    const minutes = race.legs.map((l) => (l.to.getTime() - l.from.getTime()) / 60_000);
    const [swim, t1, bike, t2, run] = minutes;
    expect(swim).toBeGreaterThan(25);
    expect(swim).toBeLessThan(35);
    expect(t1).toBeGreaterThan(2);
    expect(t1).toBeLessThan(4);
    expect(bike).toBeGreaterThan(135);
    expect(bike).toBeLessThan(165);
    expect(t2).toBeGreaterThan(1);
    expect(t2).toBeLessThan(3);
    expect(run).toBeGreaterThan(80);
    expect(run).toBeLessThan(100);
  });

  it('uses ISO Z timestamps on a regular grid and accumulating totals', () => {
    expect(points[0].dateTime).toBe('2026-06-01T07:00:00.000Z');
    expect(points[1].dateTime).toBe('2026-06-01T07:00:05.000Z');
    let prevDist = 0;
    let prevDur = -1;
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      expect(p.dateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(String(p.dateTime))).toBe(START.getTime() + i * 5000);
      if (p.totalDistanceMeters !== undefined) {
        expect(num(p.totalDistanceMeters)).toBeGreaterThanOrEqual(prevDist);
        expect(num(p.totalDurationSecs)).toBeGreaterThan(prevDur);
        expect(p.speed).toBe(p.speedMetersPerSec);
        prevDist = num(p.totalDistanceMeters);
        prevDur = num(p.totalDurationSecs);
      }
    }
    expect(race.end.toISOString()).toBe(points[points.length - 1].dateTime);
    expect(prevDist).toBeGreaterThan(90_000); // 1.9 + 90 + 21 km, give or take
  });

  it('starts with bare STATIONARY points and ends with END', () => {
    for (const p of points.slice(0, 3)) {
      expect(p.pointStatus).toBe('STATIONARY');
      for (const f of FITNESS_FIELDS) expect(p).not.toHaveProperty(f);
    }
    expect(points[3]).toHaveProperty('heartRateBeatsPerMin');
    expect(points[points.length - 1].eventTypes).toEqual(['END']);
    expect(points.slice(0, -1).some((p) => (p.eventTypes as string[]).includes('END'))).toBe(false);
  });

  it('leaves absent sensor values absent, never 0, and has at least one heart-rate dropout', () => {
    for (const p of points) {
      for (const f of ['heartRateBeatsPerMin', 'cadenceCyclesPerMin', 'powerWatts'] as const) {
        expect(p[f]).not.toBe(0);
      }
    }
    const moving = points.slice(3);
    expect(moving.some((p) => p.heartRateBeatsPerMin === undefined && !('heartRateBeatsPerMin' in p))).toBe(true);
  });

  it('keeps sport-specific values plausible', () => {
    const swim = ofType(points, 'SWIMMING').slice(3);
    for (const p of swim) {
      expect(p).not.toHaveProperty('powerWatts');
      if (p.cadenceCyclesPerMin !== null) expect(num(p.cadenceCyclesPerMin)).toBeGreaterThanOrEqual(25);
      if (p.cadenceCyclesPerMin !== null) expect(num(p.cadenceCyclesPerMin)).toBeLessThanOrEqual(35);
      if (p.heartRateBeatsPerMin !== undefined) expect(num(p.heartRateBeatsPerMin)).toBeGreaterThanOrEqual(135);
      if (p.heartRateBeatsPerMin !== undefined) expect(num(p.heartRateBeatsPerMin)).toBeLessThanOrEqual(150);
    }
    const transition = ofType(points, 'TRANSITION');
    expect(transition.filter((p) => p.pointStatus === 'STATIONARY').length).toBeGreaterThan(transition.length / 2);

    const bike = ofType(points, 'CYCLING');
    for (const p of bike) {
      expect(num(p.powerWatts)).toBeGreaterThanOrEqual(150);
      expect(num(p.powerWatts)).toBeLessThanOrEqual(260);
      expect(num(p.cadenceCyclesPerMin)).toBeGreaterThanOrEqual(80);
      expect(num(p.cadenceCyclesPerMin)).toBeLessThanOrEqual(95);
      expect(num(p.speedMetersPerSec)).toBeGreaterThanOrEqual(8);
      expect(num(p.speedMetersPerSec)).toBeLessThanOrEqual(12);
      expect(num(p.altitude)).toBeGreaterThanOrEqual(100);
      expect(num(p.altitude)).toBeLessThanOrEqual(400);
    }
    expect(new Set(bike.map((p) => p.powerWatts)).size).toBeGreaterThan(30);
    const alts = bike.map((p) => num(p.altitude));
    expect(Math.max(...alts) - Math.min(...alts)).toBeGreaterThan(100);

    const run = ofType(points, 'RUNNING');
    for (const p of run) {
      // strides per minute, not steps
      expect(num(p.cadenceCyclesPerMin)).toBeGreaterThanOrEqual(84);
      expect(num(p.cadenceCyclesPerMin)).toBeLessThanOrEqual(92);
      expect(num(p.speedMetersPerSec)).toBeGreaterThanOrEqual(3);
      expect(num(p.speedMetersPerSec)).toBeLessThanOrEqual(3.6);
      if (p.heartRateBeatsPerMin !== undefined) expect(num(p.heartRateBeatsPerMin)).toBeGreaterThanOrEqual(145);
      if (p.heartRateBeatsPerMin !== undefined) expect(num(p.heartRateBeatsPerMin)).toBeLessThanOrEqual(170);
    }
  });

  it('forms a continuous path near the start that returns to it', () => {
    const first = points[0].position as { lat: number; lon: number };
    expect(first).toEqual({ lat: 46.5, lon: 6.6 });
    for (let i = 1; i < points.length; i++) {
      const v = Math.max(num(points[i].speedMetersPerSec ?? 0), 1);
      expect(metres(points[i - 1], points[i])).toBeLessThanOrEqual(v * 5 * 1.2 + 1);
      const pos = points[i].position as { lat: number; lon: number };
      expect(Math.abs(pos.lat - 46.5)).toBeLessThan(0.5);
      expect(Math.abs(pos.lon - 6.6)).toBeLessThan(0.5);
    }
    expect(metres(points[0], points[points.length - 1])).toBeLessThan(1500);
  });

  it('honours scale and pointIntervalS', () => {
    const short = generateTriathlon({ seed: 7, start: START, scale: 0.05, pointIntervalS: 2 });
    expect(short.points.length).toBeGreaterThan(100);
    expect(short.points.length).toBeLessThan(500);
    expect(Date.parse(String(short.points[1].dateTime)) - START.getTime()).toBe(2000);
    expect(short.points[short.points.length - 1].eventTypes).toEqual(['END']);
    expect(new Set(short.points.map((p) => p.activityType))).toEqual(
      new Set(['SWIMMING', 'TRANSITION', 'CYCLING', 'RUNNING']),
    );
  });
});

describe('generateSingleSport', () => {
  it('generates a single-activity race of the requested length', () => {
    const run = generateSingleSport({ seed: 1, start: START, sport: 'run', durationMin: 10 });
    expect(run.points).toHaveLength(121);
    expect(new Set(run.points.map((p) => p.activityType))).toEqual(new Set(['RUNNING']));
    expect(run.legs).toEqual([{ leg: 'run', from: START, to: new Date(START.getTime() + 600_000) }]);
    expect(run.points[120].eventTypes).toEqual(['END']);

    const bike = generateSingleSport({ seed: 1, start: START, sport: 'bike', durationMin: 20, pointIntervalS: 10 });
    expect(bike.points).toHaveLength(121);
    expect(bike.points.slice(3).every((p) => typeof p.powerWatts === 'number')).toBe(true);
    expect(generateSingleSport({ seed: 1, start: START, sport: 'bike', durationMin: 20, pointIntervalS: 10 })).toEqual(bike);
  });

  it('rejects nonsensical options', () => {
    expect(() => generateSingleSport({ seed: 1, start: START, sport: 'run', durationMin: 0 })).toThrow(RangeError);
    expect(() => generateTriathlon({ seed: 1, start: new Date('nope') })).toThrow(RangeError);
    expect(() => generateTriathlon({ seed: 1, start: START, pointIntervalS: 0 })).toThrow(RangeError);
  });
});
