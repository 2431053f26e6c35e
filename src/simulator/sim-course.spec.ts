import { parseGarminCourse } from '../course/garmin-course';
import { buildCourse, haversine, projectForward } from '../course/geo';
import { parseGpx } from '../course/gpx';
import type { GarminTrackPoint } from '../tracking/garmin.types';
import { generateSingleSport, generateTriathlon } from './race-generator';
import { buildLegCourse, courseGpx, garminCoursesBody, MAX_COURSE_POINTS, type GeneratedCourse } from './sim-course';

const START = new Date('2026-06-01T07:00:00.000Z');
const pos = (p: GarminTrackPoint) => p.position as { lat: number; lon: number };
const timeOf = (p: GarminTrackPoint) => Date.parse(String(p.dateTime));
const within = (actual: number, expected: number, rel: number) => expect(Math.abs(actual - expected) / expected).toBeLessThan(rel);

describe('generated courses', () => {
  const race = generateTriathlon({ seed: 42, start: START });
  const course = (leg: string) => race.courses!.find((c) => c.leg === leg)!;

  it('has one course per moving leg, from that leg’s own positions, thinned', () => {
    expect(race.courses!.map((c) => c.leg)).toEqual(['swim', 'bike', 'run']);
    for (const c of race.courses!) {
      const leg = race.legs.find((l) => l.leg === c.leg)!;
      const legPoints = race.points.filter((p) => timeOf(p) >= leg.from.getTime() && timeOf(p) <= leg.to.getTime());
      expect(c.points.length).toBeLessThanOrEqual(MAX_COURSE_POINTS);
      expect(c.points.length).toBeGreaterThan(20);
      // Starts where the leg starts, ends where the athlete is at the leg's end.
      expect(c.points[0]).toEqual(pos(legPoints[0]));
      expect(c.points[c.points.length - 1]).toEqual(pos(legPoints[legPoints.length - 1]));
      // Every vertex is a generated position of the leg.
      const known = new Set(legPoints.map((p) => `${pos(p).lat},${pos(p).lon}`));
      expect(c.points.filter((p) => !known.has(`${p.lat},${p.lon}`))).toEqual([]);
      // Vertices about 50-100 m apart (the two ends excepted).
      const gaps = c.points.slice(2, -1).map((p, i) => haversine(c.points[i + 1].lat, c.points[i + 1].lon, p.lat, p.lon));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(50);
      expect(Math.max(...gaps)).toBeLessThan(110);
      // Course length = the distance the athlete covered in the leg (Garmin's totals), within 1 %.
      const covered = Number(legPoints[legPoints.length - 1].totalDistanceMeters) - Number(legPoints[0].totalDistanceMeters ?? 0); // bare start points: 0
      within(c.distance_m, covered, 0.01);
    }
    within(course('swim').distance_m, 1900, 0.15);
    within(course('bike').distance_m, 90_000, 0.1);
    within(course('run').distance_m, 18_000, 0.15);
  });

  it('puts bike aid stations every 20 km and an end waypoint on every leg', () => {
    expect(course('bike').waypoints.map((w) => w.name)).toEqual(['Aid 20 km', 'Aid 40 km', 'Aid 60 km', 'Aid 80 km', 'T2 (bike finish)']);
    expect(course('swim').waypoints.map((w) => w.name)).toEqual(['T1 (swim finish)']);
    expect(course('run').waypoints.map((w) => w.name)).toEqual(['Finish']);
    for (const c of race.courses!) expect(c.waypoints[c.waypoints.length - 1]).toMatchObject(c.points[c.points.length - 1]);
  });

  it.each(['swim', 'bike', 'run'])('%s: GPX round trip through parseGpx keeps the distance and the checkpoint order', (leg) => {
    const c = course(leg);
    const xml = courseGpx(c);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<gpx version="1.1"[^>]* xmlns="http:\/\/www.topografix.com\/GPX\/1\/1">/);
    expect(xml).toContain(`<metadata><name>${c.name}</name></metadata>`);
    const parsed = parseGpx(xml);
    expect(parsed.name).toBe(c.name);
    expect(parsed.points).toHaveLength(c.points.length);
    within(parsed.distance_m, c.distance_m, 0.01);
    expect(parsed.checkpoints.map((k) => k.name)).toEqual(c.waypoints.map((w) => w.name));
    // The end waypoint lands on the course end (not on the start the loop closes back to).
    expect(parsed.checkpoints[parsed.checkpoints.length - 1].distance_m).toBeCloseTo(parsed.distance_m, 0);
    if (leg === 'bike') parsed.checkpoints.slice(0, -1).forEach((k, i) => expect(Math.abs(k.distance_m - 20_000 * (i + 1))).toBeLessThan(1));
  });

  it.each(['swim', 'bike', 'run'])('%s: the Garmin courses body parses back with parseGarminCourse', (leg) => {
    const c = course(leg);
    const body = garminCoursesBody(c);
    expect(body.courses).toHaveLength(1);
    expect(body.courses[0].coursePoints[0]).toEqual({ position: c.points[0] });
    for (const input of [body, JSON.stringify(body)]) {
      const parsed = parseGarminCourse(input)!;
      expect(parsed.name).toBe(c.name);
      expect(parsed.points).toEqual(c.points);
      within(parsed.distance_m, c.distance_m, 0.01);
    }
  });

  it('the athlete really arrives at the bike course end at the bike leg’s `to`', () => {
    const bike = race.legs.find((l) => l.leg === 'bike')!;
    const c = parseGpx(courseGpx(course('bike')));
    // Walk the generated points along the course as the service does (forward projection).
    let done: number | null = null;
    let arrival: GarminTrackPoint | undefined;
    for (const p of race.points.filter((q) => timeOf(q) >= bike.from.getTime())) {
      const proj = projectForward(c, pos(p).lat, pos(p).lon, done);
      done = proj.distance_done_m;
      if (done >= c.distance_m - 0.5 && proj.off_course_m < 0.5) {
        arrival = p;
        break;
      }
    }
    expect(arrival?.dateTime).toBe(bike.to.toISOString());
    // One point earlier the athlete was still a bike step short of it.
    const before = race.points[race.points.indexOf(arrival!) - 1];
    expect(projectForward(c, pos(before).lat, pos(before).lon, null).distance_done_m).toBeLessThan(c.distance_m - 30);
    // Arriving at T2 at the bike's pace: the first T2 point moves like the last bike point.
    expect(arrival).toMatchObject({ activityType: 'TRANSITION', pointStatus: 'MOVING', speed: before.speed });
  });

  it.each([
    [1, 1, 5],
    [2026, 0.4, 5],
    [5, 0.2, 20],
    [7, 0.05, 2],
    [99, 0.2, 1],
  ])('seed %i scale %f every %is: end waypoints land at the course ends, points stay within the cap', (seed, scale, pointIntervalS) => {
    const r = generateTriathlon({ seed, start: START, scale, pointIntervalS });
    for (const c of r.courses!) {
      expect(c.points.length).toBeLessThanOrEqual(MAX_COURSE_POINTS);
      const parsed = parseGpx(courseGpx(c));
      expect(parsed.checkpoints.map((k) => k.name)).toEqual(c.waypoints.map((w) => w.name));
      expect(parsed.checkpoints[parsed.checkpoints.length - 1].distance_m).toBeCloseTo(parsed.distance_m, 0);
    }
  });

  it('keeps the whole course when the device was silent for part of a leg', () => {
    const opts = { seed: 4, start: START, pointIntervalS: 10, scale: 0.5 };
    const silent = generateTriathlon({ ...opts, silences: [{ fromMin: 5, toMin: 14 }] });
    expect(silent.courses).toEqual(generateTriathlon(opts).courses);
  });

  it('gives a single-sport race its course', () => {
    const run = generateSingleSport({ seed: 1, start: START, sport: 'run', durationMin: 30 });
    expect(run.courses!.map((c) => c.leg)).toEqual(['run']);
    expect(run.courses![0].points[run.courses![0].points.length - 1]).toEqual(pos(run.points[run.points.length - 1]));
    const bike = generateSingleSport({ seed: 1, start: START, sport: 'bike', durationMin: 60 });
    expect(bike.courses![0].waypoints.map((w) => w.name)).toEqual(['Aid 20 km', 'T2 (bike finish)']);
  });
});

describe('buildLegCourse / courseGpx', () => {
  // A straight 300 km line north: far more positions than the cap allows at 50 m.
  const line = Array.from({ length: 6001 }, (_, i) => ({ lat: 46 + (i * 50) / 111_195, lon: 7 }));

  it('caps the vertex count on long legs by widening the spacing', () => {
    const c = buildLegCourse('bike', line);
    expect(c.points.length).toBeLessThanOrEqual(MAX_COURSE_POINTS);
    expect(c.points.length).toBeGreaterThan(MAX_COURSE_POINTS / 2);
    within(c.distance_m, 300_000, 0.001);
    expect(c.waypoints).toHaveLength(15); // 20 … 280 km, then T2
  });

  it('rejects a leg without two distinct positions', () => {
    expect(() => buildLegCourse('run', [{ lat: 46, lon: 7 }, { lat: 46, lon: 7 }])).toThrow(RangeError);
  });

  it('escapes names and writes coordinates without exponents', () => {
    const c: GeneratedCourse = {
      leg: 'run',
      name: 'Run <"A" & \'B\'>',
      points: [{ lat: 0.0000001, lon: -0.0000002 }, { lat: 0.001, lon: 0.001 }],
      distance_m: 0,
      waypoints: [{ name: 'Aid & water', lat: 0.001, lon: 0.001 }],
    };
    c.distance_m = buildCourse(c.points).distance_m;
    const xml = courseGpx(c);
    expect(xml).not.toMatch(/e-/);
    expect(xml).toContain('lat="0.0000001" lon="-0.0000002"');
    const parsed = parseGpx(xml);
    expect(parsed.name).toBe(c.name);
    expect(parsed.checkpoints.map((k) => k.name)).toEqual(['Aid & water']);
    expect(parsed.points).toEqual(c.points);
  });
});
