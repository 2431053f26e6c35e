import { T0 } from '../metrics/test-points';
import { advanceCourse, CoursePoint, courseProgress, CourseTracker, initialCourseState, RecentSpeeds } from './course-progress';
import { buildCourse } from './geo';
import { along, ll, path } from './test-geo';

const at = (s: number, x: number, y: number, speedMps: number | null = null): CoursePoint => ({ time: T0 + s * 1000, ...ll(x, y), speedMps });
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

describe('courseProgress', () => {
  const line = buildCourse(path([[0, 0], [10_000, 0]], 100), [
    { name: 'Aid 5k', ...ll(5000, 20) },
    { name: 'Aid 8k', ...ll(8000, -20) },
  ]);

  it('distance done / to go, progress, ETA from the mean speed of the last 10 minutes', () => {
    const tracker = new CourseTracker(line);
    // 20 min at 5 m/s, a point every 10 s, 3 m beside the line
    const points: CoursePoint[] = [];
    for (let s = 0; s <= 1200; s += 10) points.push(at(s, 5 * s, 3, 5));
    tracker.add(points);
    const p = tracker.progress();
    expect(p.distance_m).toBeCloseTo(10_000, 0);
    expect(p.distance_done_m).toBeCloseTo(6000, 0);
    expect(p.distance_to_go_m).toBeCloseTo(4000, 0);
    expect(p.progress_pct).toBeCloseTo(60, 1);
    expect(p.off_course_m).toBeCloseTo(3, 0);
    expect(p.eta).toBe(iso(1200 + 800));
    expect(p.next_checkpoint).toEqual({ name: 'Aid 8k', distance_to_go_m: expect.closeTo(2000, 0), eta: iso(1200 + 400) });
  });

  it('pure form: state in, state out; recent speeds as numbers (≤ 0.5 m/s left out)', () => {
    let state = initialCourseState();
    state = advanceCourse(line, state, at(0, 0, 0));
    const r = courseProgress(line, state, at(100, 1000, 0), [4, 0.3, 0, 6]);
    expect(r.state.distance_done_m).toBeCloseTo(1000, 0);
    expect(r.progress.eta).toBe(iso(100 + 9000 / 5));
    expect(r.progress.next_checkpoint?.name).toBe('Aid 5k');
    // no moving speed: no ETA, progress still known
    const still = courseProgress(line, r.state, null, [0.2]);
    expect(still.progress.eta).toBeNull();
    expect(still.progress.next_checkpoint).toEqual({ name: 'Aid 5k', distance_to_go_m: expect.closeTo(4000, 0), eta: null });
    expect(still.state).toBe(r.state);
  });

  it('past the last checkpoint: next_checkpoint null; at the finish: 0 to go', () => {
    const r = courseProgress(line, advanceCourse(line, initialCourseState(), at(0, 9000, 0)), at(10, 10_050, 0), [5]);
    expect(r.progress).toMatchObject({ distance_to_go_m: 0, progress_pct: 100, next_checkpoint: null, eta: iso(10) });
  });

  it('not placed until near the course; a detour holds the projection', () => {
    const tracker = new CourseTracker(line);
    tracker.add([at(0, 3000, 1000, 3)]);
    expect(tracker.progress()).toMatchObject({ distance_done_m: null, distance_to_go_m: null, progress_pct: null, eta: null, next_checkpoint: null });
    expect(tracker.progress().off_course_m).toBeCloseTo(1000, 0);
    tracker.add([at(60, 3000, 10, 3), at(70, 3030, 900, 3)]);
    const p = tracker.progress();
    expect(p.distance_done_m).toBeCloseTo(3000, 0);
    expect(p.off_course_m).toBeCloseTo(Math.hypot(30, 900), 0);
  });

  it('after a long silence the search reaches far enough ahead', () => {
    const tracker = new CourseTracker(line);
    tracker.add([at(0, 0, 0, 8), at(10, 80, 0, 8), at(910, 7280, 0, 8)]);
    expect(tracker.progress().distance_done_m).toBeCloseTo(7280, 0);
  });

  it('points without a position or older than the newest are ignored', () => {
    const tracker = new CourseTracker(line);
    tracker.add([at(0, 0, 0, 5), at(100, 500, 0, 5), { time: T0 + 200_000, lat: null, lon: null, speedMps: 5 }, at(150, 9000, 0, 5)]);
    expect(tracker.state.distance_done_m).toBeCloseTo(500, 0);
    expect(tracker.state.time).toBe(T0 + 200_000);
  });

  it('out-and-back on one road, run through with GPS noise: distance done follows the truth', () => {
    const corners: Array<[number, number]> = [[0, 0], [5000, 0], [0, 0]];
    const course = buildCourse(path(corners, 100), [{ name: 'Turn', ...ll(5000, 0) }]);
    expect(course.checkpoints[0].distance_m).toBeCloseTo(5000, 0);
    const tracker = new CourseTracker(course);
    for (let s = 0; s <= 10_000; s += 15) {
      const [x, y] = along(corners, s);
      tracker.add([{ time: T0 + s * 200, ...ll(x + (((s * 31) % 7) - 3), y + (((s * 17) % 9) - 4)), speedMps: 5 }]);
      expect(Math.abs((tracker.state.distance_done_m as number) - s)).toBeLessThan(8);
    }
  });
});

describe('RecentSpeeds', () => {
  it('mean of speeds > 0.5 m/s of the points within 10 min of the newest', () => {
    const w = new RecentSpeeds();
    for (let s = 0; s <= 1200; s += 10) w.push(T0 + s * 1000, s < 600 ? 10 : s % 20 ? 4 : 0.4);
    expect(w.mean()).toBe(4);
    expect(w.values().every((v) => v === 4)).toBe(true);
    w.push(T0, 100); // older: ignored
    expect(w.mean()).toBe(4);
    const empty = new RecentSpeeds();
    empty.push(T0, 0);
    expect(empty.mean()).toBeNull();
  });

  it('the window is relative to the newest point, inclusive at 10 min', () => {
    const w = new RecentSpeeds();
    w.push(T0, 2);
    w.push(T0 + 600_000, 4);
    expect(w.mean()).toBe(3);
    w.push(T0 + 600_001, null);
    expect(w.mean()).toBe(4);
  });
});

describe('first placement on a loop', () => {
  it('a start near both ends of a loop is placed at the start, not the finish a few metres nearer', () => {
    const course = buildCourse(path([[0, 0], [1000, 0], [1000, 1000], [0, 1000], [0, -30]]));
    const state = advanceCourse(course, initialCourseState(), { time: 1000, ...ll(0, -25), speedMps: 0 });
    expect(state.distance_done_m).toBeLessThan(30);
    // Far from both (> 200 m): not placed at all.
    expect(advanceCourse(course, initialCourseState(), { time: 1000, ...ll(-400, 500) }).distance_done_m).toBeNull();
  });
});
