// One line about course progress, for people (MCP text) and for Claude (the analysis prompt).
import type { CourseProgress } from './course.types';

const km = (m: number): string => `${(m / 1000).toFixed(1)} km`;
const clock = (iso: string): string => `${iso.slice(11, 16)} UTC`;

/** e.g. "45.2 of 90.0 km done (50.2 %), 44.8 km to go, 12 m off course; ETA at the finish 10:42 UTC; next checkpoint Aid 60 km in 14.8 km (09:31 UTC)". */
export function describeCourse(p: CourseProgress): string {
  if (p.distance_done_m === null) {
    const off = p.off_course_m === null ? '' : ` (${Math.round(p.off_course_m)} m away)`;
    return `course of ${km(p.distance_m)}: the athlete is not on it yet${off}`;
  }
  const parts = [`${(p.distance_done_m / 1000).toFixed(1)} of ${km(p.distance_m)} done (${p.progress_pct ?? 0} %), ${km(p.distance_to_go_m ?? 0)} to go`];
  if (p.off_course_m !== null) parts.push(p.off_course_m > 100 ? `${Math.round(p.off_course_m)} m OFF COURSE` : `${Math.round(p.off_course_m)} m off course`);
  let line = parts.join(', ');
  line += p.eta ? `; ETA at the finish ${clock(p.eta)}` : '; no ETA yet (no recent speed)';
  if (p.next_checkpoint) {
    const cp = p.next_checkpoint;
    line += `; next checkpoint ${cp.name} in ${km(cp.distance_to_go_m)}${cp.eta ? ` (${clock(cp.eta)})` : ''}`;
  }
  return line;
}
