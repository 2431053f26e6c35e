import { describeCourse } from './course-text';

describe('describeCourse', () => {
  it('says distance, progress, off-course, ETA and the next checkpoint', () => {
    expect(
      describeCourse({
        distance_m: 90_000, distance_done_m: 45_200, distance_to_go_m: 44_800, progress_pct: 50.22, off_course_m: 12,
        eta: '2026-06-01T10:42:10.000Z', next_checkpoint: { name: 'Aid 60 km', distance_to_go_m: 14_800, eta: '2026-06-01T09:31:00.000Z' },
      }),
    ).toBe('45.2 of 90.0 km done (50.22 %), 44.8 km to go, 12 m off course; ETA at the finish 10:42 UTC; next checkpoint Aid 60 km in 14.8 km (09:31 UTC)');
  });

  it('shouts when far off the course and says when there is no fix on it yet', () => {
    expect(describeCourse({ distance_m: 1000, distance_done_m: 10, distance_to_go_m: 990, progress_pct: 1, off_course_m: 350, eta: null, next_checkpoint: null }))
      .toBe('0.0 of 1.0 km done (1 %), 1.0 km to go, 350 m OFF COURSE; no ETA yet (no recent speed)');
    expect(describeCourse({ distance_m: 1000, distance_done_m: null, distance_to_go_m: null, progress_pct: null, off_course_m: 2500, eta: null, next_checkpoint: null }))
      .toBe('course of 1.0 km: the athlete is not on it yet (2500 m away)');
  });
});
