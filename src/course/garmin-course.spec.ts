import { parseGarminCourse } from './garmin-course';
import { ll } from './test-geo';

const pos = (x: number, y: number) => ({ position: ll(x, y) });

describe('parseGarminCourse', () => {
  it('reads courses[0].coursePoints[].position', () => {
    const c = parseGarminCourse({ courses: [{ courseName: 'Bike 90', coursePoints: [pos(0, 0), pos(1000, 0), pos(1000, 500)] }, { coursePoints: [] }] });
    expect(c?.name).toBe('Bike 90');
    expect(c?.distance_m).toBeCloseTo(1500, 0);
    expect(c?.checkpoints).toEqual([]);
  });

  it('accepts JSON text and skips points without a usable position', () => {
    const body = JSON.stringify({ courses: [{ coursePoints: [pos(0, 0), { position: null }, { position: { lat: 'x', lon: 1 } }, {}, 7, pos(0, 300)] }] });
    expect(parseGarminCourse(body)?.points).toHaveLength(2);
  });

  it.each([
    ['null', null],
    ['not JSON', '<html>'],
    ['no courses', {}],
    ['empty courses', { courses: [] }],
    ['courses not an array', { courses: {} }],
    ['coursePoints not an array', { courses: [{ coursePoints: 'x' }] }],
    ['one point', { courses: [{ coursePoints: [pos(0, 0)] }] }],
    ['bad latitude', { courses: [{ coursePoints: [{ position: { lat: 95, lon: 8 } }, pos(0, 0)] }] }],
  ])('%s → null', (_, body) => {
    expect(parseGarminCourse(body)).toBeNull();
  });
});
