// The planned course of a generated leg, and the two forms a course reaches the service in: a GPX
// file (PUT /sessions/:id/course) and Garmin's LiveTrack courses endpoint body. Pure functions, so
// specs, the simulator and the demo share one definition.

import { buildCourse, dedupeConsecutive, haversine, pointAt } from '../course/geo';

export type CourseLeg = 'swim' | 'bike' | 'run';

export interface CourseWaypoint {
  name: string;
  lat: number;
  lon: number;
}

export interface GeneratedCourse {
  leg: CourseLeg;
  name: string;
  /** The leg's own generated positions, in order, thinned (at most MAX_COURSE_POINTS). */
  points: Array<{ lat: number; lon: number }>;
  /** Length along points (haversine, as the course parsers measure it). */
  distance_m: number;
  /** In course order; the last one sits on the course end. */
  waypoints: CourseWaypoint[];
}

/** Few enough vertices for a light GPX / JSON body, dense enough (≥ 50 m apart) to keep the shape. */
export const MAX_COURSE_POINTS = 2000;
const MIN_SPACING_M = 50;
/** Bike aid stations, as on long-distance courses. */
const BIKE_AID_EVERY_M = 20_000;
/** No aid station this close to T2: it would be T2. */
const AID_END_GAP_M = 2_000;
const COURSE_NAMES: Record<CourseLeg, string> = { swim: 'Swim course', bike: 'Bike course', run: 'Run course' };
// The legs are loops that end within metres of where they started. Between passes that near, the
// course parsers place a waypoint at the earliest one unless its name says finish: every end name
// says it, so T1/T2 land at the end, not at the start.
const END_NAMES: Record<CourseLeg, string> = { swim: 'T1 (swim finish)', bike: 'T2 (bike finish)', run: 'Finish' };

/**
 * The course of one leg from the positions the athlete really passed (first = position at the leg's
 * start, last = position at its end), thinned to vertices at least ~50 m apart. Waypoints: bike aid
 * stations every 20 km, and the end (T1 / T2 / Finish). The run's laps overlap, so aid
 * stations there could not be placed on the right lap: it gets only its finish.
 */
export function buildLegCourse(leg: CourseLeg, positions: Array<{ lat: number; lon: number }>): GeneratedCourse {
  const path = dedupeConsecutive(positions.map((p) => ({ lat: p.lat, lon: p.lon })));
  if (path.length < 2) throw new RangeError(`the ${leg} leg has fewer than two distinct positions`);
  let total = 0;
  for (let i = 1; i < path.length; i++) total += hav(path[i - 1], path[i]);
  // ≤ MAX_COURSE_POINTS - 2 gaps of at least `spacing` plus the two ends.
  const spacing = Math.max(MIN_SPACING_M, total / (MAX_COURSE_POINTS - 2));
  const points = [path[0]];
  let since = 0;
  for (let i = 1; i < path.length - 1; i++) {
    since += hav(path[i - 1], path[i]);
    if (since >= spacing) {
      points.push(path[i]);
      since = 0;
    }
  }
  points.push(path[path.length - 1]);

  const course = buildCourse(points);
  const waypoints: CourseWaypoint[] = [];
  if (leg === 'bike') {
    for (let d = BIKE_AID_EVERY_M; d <= course.distance_m - AID_END_GAP_M; d += BIKE_AID_EVERY_M) {
      const at = pointAt(course, d);
      waypoints.push({ name: `Aid ${Math.round(d / 1000)} km`, lat: round7(at.lat), lon: round7(at.lon) });
    }
  }
  const end = points[points.length - 1];
  waypoints.push({ name: END_NAMES[leg], lat: end.lat, lon: end.lon });
  return { leg, name: COURSE_NAMES[leg], points: course.points, distance_m: course.distance_m, waypoints };
}

/** GPX 1.1 text: metadata name, the waypoints, and the course as one track segment. */
export function courseGpx(course: GeneratedCourse): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="livetrack-mcp simulator" xmlns="http://www.topografix.com/GPX/1/1">',
    `  <metadata><name>${escapeXml(course.name)}</name></metadata>`,
    ...course.waypoints.map((w) => `  <wpt lat="${coord(w.lat)}" lon="${coord(w.lon)}"><name>${escapeXml(w.name)}</name></wpt>`),
    `  <trk><name>${escapeXml(course.name)}</name><trkseg>`,
    ...course.points.map((p) => `    <trkpt lat="${coord(p.lat)}" lon="${coord(p.lon)}"/>`),
    '  </trkseg></trk>',
    '</gpx>',
    '',
  ].join('\n');
}

/** Body of Garmin's `/api/v1/sessions/{id}/courses`: `courses[0].coursePoints[].position` (see garmin-livetrack.md). */
export function garminCoursesBody(course: GeneratedCourse): { courses: Array<{ courseName: string; coursePoints: Array<{ position: { lat: number; lon: number } }> }> } {
  return { courses: [{ courseName: course.name, coursePoints: course.points.map((p) => ({ position: { lat: p.lat, lon: p.lon } })) }] };
}

const hav = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => haversine(a.lat, a.lon, b.lat, b.lon);
const round7 = (v: number) => Math.round(v * 1e7) / 1e7;
/** Fixed notation: xsd:decimal allows no exponent (String(1e-7) would give one). */
const coord = (v: number) => v.toFixed(7).replace(/\.?0+$/, '');

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
