// Garmin LiveTrack courses endpoint → Course: `{ courses: [{ coursePoints: [{ position: { lat, lon } }] }] }`.
// Tolerant: a shape we do not recognise gives null (tracking must go on without a course).
import type { Course, LatLon } from './course.types';
import { buildCourse, isValidLatLon } from './geo';

const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : null);

/** Accepts the parsed body or its JSON text. Points without a valid position are skipped; fewer than two left → null. */
export function parseGarminCourse(body: unknown): Course | null {
  let data = body;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return null;
    }
  }
  const courses = obj(data)?.courses;
  const first = Array.isArray(courses) ? obj(courses[0]) : null;
  const cps = first?.coursePoints;
  if (!Array.isArray(cps)) return null;
  const points: LatLon[] = [];
  for (const cp of cps) {
    const pos = obj(obj(cp)?.position);
    const lat = num(pos?.lat ?? pos?.latitude);
    const lon = num(pos?.lon ?? pos?.lng ?? pos?.longitude);
    if (isValidLatLon(lat, lon)) points.push({ lat: lat as number, lon: lon as number });
  }
  if (points.length < 2) return null;
  const name = [first?.courseName, first?.name].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  return buildCourse(points, [], name?.trim() ?? null);
}
