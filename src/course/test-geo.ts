// Metric-plane helpers for the course specs (not used at runtime): x east, y north, metres from 47° N 8° E.
import type { LatLon } from './course.types';
import { EARTH_RADIUS_M } from './geo';

const M = (EARTH_RADIUS_M * Math.PI) / 180;
export const LAT0 = 47;
export const LON0 = 8;

export function ll(x: number, y: number): LatLon {
  return { lat: LAT0 + y / M, lon: LON0 + x / (M * Math.cos((LAT0 * Math.PI) / 180)) };
}

/** Polyline through the corners, a point every `step` metres. */
export function path(corners: Array<[number, number]>, step = 50): LatLon[] {
  const out: LatLon[] = [ll(...corners[0])];
  for (let i = 1; i < corners.length; i++) {
    const [x0, y0] = corners[i - 1];
    const [x1, y1] = corners[i];
    const n = Math.max(1, Math.round(Math.hypot(x1 - x0, y1 - y0) / step));
    for (let k = 1; k <= n; k++) out.push(ll(x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n));
  }
  return out;
}

/** Position at distance s along the corner path (for simulated athletes). */
export function along(corners: Array<[number, number]>, s: number): [number, number] {
  let left = s;
  for (let i = 1; i < corners.length; i++) {
    const [x0, y0] = corners[i - 1];
    const [x1, y1] = corners[i];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (left <= len || i === corners.length - 1) {
      const t = Math.min(1, left / len);
      return [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t];
    }
    left -= len;
  }
  return corners[corners.length - 1];
}
