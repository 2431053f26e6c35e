// Point builders shared by the metrics and course specs (not used at runtime).
import type { TrackpointRecord } from '../storage/trackpoint.types';

export const T0 = Date.UTC(2026, 5, 1, 6, 0, 0);

/** A trackpoint `s` seconds after T0; every sensor null unless given. */
export function pt(s: number, f: Partial<TrackpointRecord> = {}): TrackpointRecord {
  return {
    time: T0 + s * 1000, lat: null, lon: null, altitudeM: null, speedMps: null, distanceM: null, durationS: null,
    heartRate: null, cadence: null, power: null, activityType: null, leg: 'bike', status: null, ...f,
  };
}

/** Points at from, from+step, … ≤ to. */
export function pts(from: number, to: number, step: number, f: (s: number) => Partial<TrackpointRecord>): TrackpointRecord[] {
  const out: TrackpointRecord[] = [];
  for (let s = from; s <= to; s += step) out.push(pt(s, f(s)));
  return out;
}
