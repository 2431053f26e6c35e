import { buildCourse, EARTH_RADIUS_M, haversine, pointAt, projectForward } from './geo';
import { along, ll, path } from './test-geo';

describe('haversine', () => {
  it('uses R = 6,371,008.8 m', () => {
    expect(EARTH_RADIUS_M).toBe(6371008.8);
    expect(haversine(0, 0, 1, 0)).toBeCloseTo(111195.08, 1);
    expect(haversine(0, 179.5, 0, -179.5)).toBeCloseTo(111195.08, 1);
    expect(haversine(47, 8, 47, 8)).toBe(0);
    expect(haversine(47, 8, 48, 9)).toBeCloseTo(haversine(48, 9, 47, 8), 6);
  });
});

describe('buildCourse', () => {
  it('cumulative distances, consecutive duplicates dropped', () => {
    const c = buildCourse([ll(0, 0), ll(0, 0), ll(1000, 0), ll(1000, 500)]);
    expect(c.points).toHaveLength(3);
    expect(c.cumulative_m[0]).toBe(0);
    expect(c.cumulative_m[1]).toBeCloseTo(1000, 0);
    expect(c.distance_m).toBeCloseTo(1500, 0);
    expect(() => buildCourse([ll(0, 0), ll(0, 0)])).toThrow(RangeError);
  });

  it('pointAt interpolates', () => {
    const c = buildCourse(path([[0, 0], [1000, 0]], 100));
    const p = pointAt(c, 250);
    expect(haversine(p.lat, p.lon, ll(250, 0).lat, ll(250, 0).lon)).toBeLessThan(0.5);
  });
});

describe('projectForward', () => {
  // Out and back on the same road: every position on it is on the course twice.
  const outBack = buildCourse(path([[0, 0], [5000, 0], [0, 0]], 100));

  it('out-and-back: the way out stays out even when the way back is in the window', () => {
    const p = projectForward(outBack, ll(2000, 3).lat, ll(2000, 3).lon, 1990, { forwardM: 10_000 });
    expect(p.distance_done_m).toBeCloseTo(2000, 0);
    expect(p.off_course_m).toBeCloseTo(3, 0);
  });

  it('out-and-back: past the turnaround it follows the way back', () => {
    expect(projectForward(outBack, ll(4990, 0).lat, ll(4990, 0).lon, 5000).distance_done_m).toBeCloseTo(5010, 0);
    expect(projectForward(outBack, ll(4980, 0).lat, ll(4980, 0).lon, 5010, { expectedAdvanceM: 10 }).distance_done_m).toBeCloseTo(5020, 0);
    expect(projectForward(outBack, ll(2000, -2).lat, ll(2000, -2).lon, 7990, { forwardM: 10_000, backwardM: 10_000 }).distance_done_m).toBeCloseTo(8000, 0);
  });

  it('an athlete walked along the out-and-back never jumps (points every 20 m, 4 m side noise)', () => {
    const corners: Array<[number, number]> = [[0, 0], [5000, 0], [0, 0]];
    let done: number | null = null;
    for (let s = 0; s <= 10_000; s += 20) {
      const [x, y] = along(corners, s);
      const noise = ((s * 7919) % 9) - 4;
      const q = ll(x, y + noise);
      done = projectForward(outBack, q.lat, q.lon, done, { expectedAdvanceM: done === null ? 0 : 20 }).distance_done_m;
      expect(Math.abs(done - s)).toBeLessThan(5);
    }
  });

  // Figure of eight: the course crosses (1000, 0) at 1000 m and again at 5000 m.
  const eightCorners: Array<[number, number]> = [[0, 0], [2000, 0], [2000, 1000], [1000, 1000], [1000, -1000], [0, -1000], [0, 0]];
  const eight = buildCourse(path(eightCorners));

  it('figure of eight: the crossing is 1000 m the first time, 5000 m the second', () => {
    const x = ll(1000, 0);
    expect(eight.distance_m).toBeCloseTo(8000, 0);
    expect(projectForward(eight, x.lat, x.lon, 990, { forwardM: 20_000 }).distance_done_m).toBeCloseTo(1000, 0);
    expect(projectForward(eight, x.lat, x.lon, 4990, { forwardM: 20_000 }).distance_done_m).toBeCloseTo(5000, 0);
    // first placement, nothing known: the earliest pass
    expect(projectForward(eight, x.lat, x.lon, null).distance_done_m).toBeCloseTo(1000, 0);
  });

  it('laps: GPS jitter backwards does not jump a lap ahead', () => {
    const lap: Array<[number, number]> = [[0, 0], [250, 0], [250, 250], [0, 250], [0, 0]];
    const twoLaps = buildCourse(path([...lap, ...lap.slice(1)], 25));
    expect(twoLaps.distance_m).toBeCloseTo(2000, 0);
    const q = ll(248, 1); // just behind the previous projection at 250 m
    expect(projectForward(twoLaps, q.lat, q.lon, 250).distance_done_m).toBeCloseTo(248, 0);
    expect(projectForward(twoLaps, q.lat, q.lon, 250, { forwardM: 5000 }).distance_done_m).toBeCloseTo(248, 0);
  });

  it('a far position ahead wins once the window reaches it (after a silence)', () => {
    const line = buildCourse(path([[0, 0], [20_000, 0]], 100));
    const q = ll(9000, 10);
    const near = projectForward(line, q.lat, q.lon, 1000).distance_done_m; // the end of the 2 km window, far off
    expect(near).toBeGreaterThanOrEqual(3000);
    expect(near).toBeLessThanOrEqual(3100);
    const p = projectForward(line, q.lat, q.lon, 1000, { forwardM: 10_000 });
    expect(p.distance_done_m).toBeCloseTo(9000, 0);
    expect(p.off_course_m).toBeCloseTo(10, 0);
  });
});

describe('checkpoints', () => {
  it('sit at the course distance of their projection; a finish on a loop sits at the end', () => {
    const loop: Array<[number, number]> = [[0, 0], [1000, 0], [1000, 1000], [0, 1000], [0, 0]];
    const c = buildCourse(path(loop), [
      { name: 'Finish', ...ll(0, 0) },
      { name: 'Aid 1', ...ll(1010, 500) },
      { name: 'Start', ...ll(0, 0) },
    ]);
    expect(c.checkpoints.map((k) => k.name)).toEqual(['Start', 'Aid 1', 'Finish']);
    expect(c.checkpoints[0].distance_m).toBe(0);
    expect(c.checkpoints[1].distance_m).toBeCloseTo(1500, 0);
    expect(c.checkpoints[2].distance_m).toBeCloseTo(4000, 0);
  });
});
