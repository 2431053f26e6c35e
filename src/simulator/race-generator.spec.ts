import { computeMetrics } from '../metrics/race-metrics';
import type { GarminTrackPoint } from '../tracking/garmin.types';
import { createLegState } from '../tracking/legs';
import { mapGarminPoints } from '../tracking/point-mapper';
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
/** Points whose numeric field (when present and not null) lies outside [lo, hi]. */
const outside = (points: GarminTrackPoint[], field: keyof GarminTrackPoint, lo: number, hi: number) =>
  points.filter((p) => p[field] !== undefined && p[field] !== null && !(num(p[field]) >= lo && num(p[field]) <= hi));
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
    const badTime = points.filter(
      (p, i) =>
        !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(String(p.dateTime)) ||
        Date.parse(String(p.dateTime)) !== START.getTime() + i * 5000,
    );
    expect(badTime).toEqual([]);
    const withTotals = points.filter((p) => p.totalDistanceMeters !== undefined);
    const badTotals = withTotals.filter(
      (p, i) =>
        p.speed !== p.speedMetersPerSec ||
        (i > 0 &&
          (num(p.totalDistanceMeters) < num(withTotals[i - 1].totalDistanceMeters) ||
            num(p.totalDurationSecs) <= num(withTotals[i - 1].totalDurationSecs))),
    );
    expect(badTotals).toEqual([]);
    expect(race.end.toISOString()).toBe(points[points.length - 1].dateTime);
    expect(num(points[points.length - 1].totalDistanceMeters)).toBeGreaterThan(90_000); // ~1.9 + 90 + 21 km
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
    const zeros = points.filter((p) => p.heartRateBeatsPerMin === 0 || p.cadenceCyclesPerMin === 0 || p.powerWatts === 0);
    expect(zeros).toEqual([]);
    expect(points.slice(3).some((p) => !('heartRateBeatsPerMin' in p))).toBe(true);
  });

  it('keeps sport-specific values plausible', () => {
    const swim = ofType(points, 'SWIMMING').slice(3);
    expect(swim.filter((p) => 'powerWatts' in p)).toEqual([]);
    expect(outside(swim, 'cadenceCyclesPerMin', 25, 35)).toEqual([]);
    expect(swim.some((p) => p.cadenceCyclesPerMin === null)).toBe(true); // stroke rate sometimes missing
    expect(outside(swim, 'heartRateBeatsPerMin', 135, 150)).toEqual([]);

    const transition = ofType(points, 'TRANSITION');
    expect(transition.filter((p) => p.pointStatus === 'STATIONARY').length).toBeGreaterThan(transition.length / 2);

    const bike = ofType(points, 'CYCLING');
    expect(bike.filter((p) => typeof p.powerWatts !== 'number')).toEqual([]);
    expect(outside(bike, 'powerWatts', 150, 260)).toEqual([]);
    expect(outside(bike, 'cadenceCyclesPerMin', 80, 95)).toEqual([]);
    expect(outside(bike, 'heartRateBeatsPerMin', 130, 160)).toEqual([]);
    expect(outside(bike, 'speedMetersPerSec', 8, 12)).toEqual([]);
    expect(outside(bike, 'altitude', 100, 400)).toEqual([]);
    expect(new Set(bike.map((p) => p.powerWatts)).size).toBeGreaterThan(30);
    const alts = bike.map((p) => num(p.altitude));
    expect(Math.max(...alts) - Math.min(...alts)).toBeGreaterThan(100);

    const run = ofType(points, 'RUNNING');
    expect(outside(run, 'cadenceCyclesPerMin', 84, 92)).toEqual([]); // strides per minute, not steps
    expect(outside(run, 'speedMetersPerSec', 3, 3.6)).toEqual([]);
    expect(outside(run, 'heartRateBeatsPerMin', 145, 170)).toEqual([]);
  });

  it('fades on the bike: a few % less power in the last third, heart rate drifting up, decoupling 3-8 %', () => {
    const bike = ofType(points, 'CYCLING');
    const third = Math.floor(bike.length / 3);
    const mean = (ps: GarminTrackPoint[], f: keyof GarminTrackPoint) => {
      const vs = ps.map((p) => p[f]).filter((v): v is number => typeof v === 'number');
      return vs.reduce((a, b) => a + b, 0) / vs.length;
    };
    const [p1, , p3] = [0, 1, 2].map((i) => mean(bike.slice(i * third, (i + 1) * third), 'powerWatts'));
    const [h1, , h3] = [0, 1, 2].map((i) => mean(bike.slice(i * third, (i + 1) * third), 'heartRateBeatsPerMin'));
    expect(p3 / p1).toBeLessThan(0.99);
    expect(p3 / p1).toBeGreaterThan(0.9);
    expect(h3 / h1).toBeGreaterThan(1.02);

    // Through the service's own mapping and metrics, as a coach would see it.
    for (const seed of [42, 2026, 1, 7, 99]) {
      const r = seed === 42 ? race : generateTriathlon({ seed, start: START });
      const mapped = mapGarminPoints({ trackPoints: r.points }, 'triathlon', createLegState('triathlon'));
      const leg = computeMetrics(mapped.points).legs.find((l) => l.leg === 'bike')!;
      expect({ seed, decoupling: leg.decoupling_pct! > 3 && leg.decoupling_pct! < 8 }).toEqual({ seed, decoupling: true });
    }
  });

  it('forms a continuous path near the start that returns to it', () => {
    expect(points[0].position).toEqual({ lat: 46.5, lon: 6.6 });
    const jumps = points.filter(
      (p, i) => i > 0 && metres(points[i - 1], p) > Math.max(num(p.speedMetersPerSec ?? 0), 1) * 5 * 1.2 + 1,
    );
    expect(jumps).toEqual([]);
    const far = points.filter((p) => {
      const pos = p.position as { lat: number; lon: number };
      return Math.abs(pos.lat - 46.5) > 0.5 || Math.abs(pos.lon - 6.6) > 0.5;
    });
    expect(far).toEqual([]);
    expect(metres(points[0], points[points.length - 1])).toBeLessThan(1500);
  });

  it.each([1, 2, 3, 99, 123456])('stays well-formed for seed %i', (seed) => {
    const r = generateTriathlon({ seed, start: START, scale: 0.2 });
    const runs: unknown[] = [];
    for (const p of r.points) if (runs[runs.length - 1] !== p.activityType) runs.push(p.activityType);
    expect(runs).toEqual(['SWIMMING', 'TRANSITION', 'CYCLING', 'TRANSITION', 'RUNNING']);
    expect(r.points.slice(0, 3).every((p) => p.pointStatus === 'STATIONARY' && !('heartRateBeatsPerMin' in p))).toBe(true);
    expect(r.points.filter((p) => p.heartRateBeatsPerMin === 0 || p.cadenceCyclesPerMin === 0)).toEqual([]);
    expect(r.points.slice(3).some((p) => !('heartRateBeatsPerMin' in p))).toBe(true);
    expect(r.points[r.points.length - 1].eventTypes).toEqual(['END']);
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

  it('leaves silent stretches without points (a swim with the phone in the bike bag)', () => {
    const race = generateTriathlon({ seed: 4, start: START, pointIntervalS: 10, scale: 0.5, swimMin: 95, silences: [{ fromMin: 35, toMin: 95 }] });
    const startMs = START.getTime();
    const mins = race.points.map((p) => (Date.parse(String(p.dateTime)) - startMs) / 60_000);
    expect(mins.some((m) => m >= 35 && m < 95)).toBe(false);
    expect(mins.filter((m) => m < 35).length).toBe(210);
    expect(race.legs[0]).toMatchObject({ leg: 'swim' });
    expect(race.legs[0].to.getTime() - startMs).toBe(95 * 60_000);
    const firstAfter = race.points.find((p) => Date.parse(String(p.dateTime)) - startMs >= 95 * 60_000)!;
    expect(firstAfter.activityType).toBe('TRANSITION');
  });

  it('stands the athlete still on course for a while, uploading all along, then races on later', () => {
    const opts = { seed: 6, start: START, pointIntervalS: 10, scale: 0.3 };
    const plain = generateTriathlon(opts);
    const race = generateTriathlon({ ...opts, standstills: [{ atMin: 20, forMin: 12 }] });
    const startMs = START.getTime();
    const at = (p: GarminTrackPoint) => Date.parse(String(p.dateTime));
    // Every point still comes on the device's grid: nothing missing while standing.
    expect(race.points).toHaveLength(plain.points.length + 72);
    race.points.forEach((p, i) => expect(at(p)).toBe(startMs + i * 10_000));
    expect(race.end.getTime() - plain.end.getTime()).toBe(12 * 60_000);

    const stopAt = plain.points.findIndex((p) => at(p) > startMs + 20 * 60_000) - 1;
    const last = race.points[stopAt];
    expect(last.activityType).toBe('CYCLING');
    const standing = race.points.slice(stopAt + 1, stopAt + 73);
    for (const p of standing) {
      expect(p).toMatchObject({ speed: 0, speedMetersPerSec: 0, pointStatus: 'STATIONARY', activityType: 'CYCLING', position: last.position });
      expect(p.totalDistanceMeters).toBe(last.totalDistanceMeters);
      expect(p.powerWatts).toBeUndefined();
    }
    // Heart rate eases off while standing.
    expect(num(standing[standing.length - 1].heartRateBeatsPerMin)).toBeLessThan(num(last.heartRateBeatsPerMin) - 20);
    // Then the same race, 12 minutes later: same positions, distances and legs.
    const after = race.points.slice(stopAt + 73);
    expect(after.map((p) => [p.position, p.totalDistanceMeters, p.activityType])).toEqual(
      plain.points.slice(stopAt + 1).map((p) => [p.position, p.totalDistanceMeters, p.activityType]),
    );
    expect(num(after[0].totalDurationSecs) - num(plain.points[stopAt + 1].totalDurationSecs)).toBe(720);
    expect(race.legs.map((l) => l.leg)).toEqual(plain.legs.map((l) => l.leg));
    expect(race.legs[2].to.getTime() - plain.legs[2].to.getTime()).toBe(12 * 60_000);
    expect(race.legs[0]).toEqual(plain.legs[0]);
    expect(() => generateTriathlon({ ...opts, standstills: [{ atMin: 999, forMin: 1 }] })).toThrow(RangeError);
  });
});
