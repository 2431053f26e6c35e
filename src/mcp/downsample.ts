// Compacts a window of trackpoints for a model: a few hundred numbers read well, thousands of raw
// rows waste its context. Pure functions, unit-tested without Nest.
import type { TrackpointView } from '../tracking/session-status';

/** Beyond this many points the series is averaged into time buckets. */
export const DEFAULT_SERIES_LIMIT = 120;

export interface CompactPoint {
  /** ISO time of the point, or of the first point in the bucket. */
  time: string;
  leg: string;
  heart_rate: number | null;
  power: number | null;
  cadence: number | null;
  speed_mps: number | null;
  distance_m: number | null;
  altitude_m: number | null;
  /** Raw points averaged into this entry (1 when not downsampled). */
  samples: number;
}

export interface CompactSeries {
  /** Raw points in the window. */
  points: number;
  /** Entries in `series`. */
  returned: number;
  downsampled: boolean;
  bucket_s: number | null;
  /** Says what was done, e.g. "downsampled 1,200 points to 120 buckets of 5 s". */
  note: string | null;
  series: CompactPoint[];
}

const round = (v: number | null, digits = 0): number | null => {
  if (v === null) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function average(values: Array<number | null>, digits = 0): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n ? round(sum / n, digits) : null;
}

function single(p: TrackpointView): CompactPoint {
  return {
    time: p.time,
    leg: p.leg,
    heart_rate: round(p.heart_rate),
    power: round(p.power),
    cadence: round(p.cadence),
    speed_mps: round(p.speed_mps, 2),
    distance_m: round(p.distance_m),
    altitude_m: round(p.altitude_m, 1),
    samples: 1,
  };
}

function bucket(points: TrackpointView[]): CompactPoint {
  const last = points[points.length - 1];
  return {
    time: points[0].time,
    leg: last.leg,
    heart_rate: average(points.map((p) => p.heart_rate)),
    power: average(points.map((p) => p.power)),
    cadence: average(points.map((p) => p.cadence)),
    speed_mps: average(points.map((p) => p.speed_mps), 2),
    // Distance is cumulative: the bucket's end says where the athlete got to.
    distance_m: round([...points].reverse().find((p) => p.distance_m !== null)?.distance_m ?? null),
    altitude_m: average(points.map((p) => p.altitude_m), 1),
    samples: points.length,
  };
}

/**
 * Returns the points as they are when there are at most `limit`, otherwise averages them into
 * evenly spaced time buckets (at most `limit`, plus one extra wherever a leg changes inside a
 * bucket, so bike rpm and run steps/min are never averaged together). Points are oldest first.
 */
export function compactSeries(points: TrackpointView[], limit = DEFAULT_SERIES_LIMIT): CompactSeries {
  if (points.length <= limit) {
    return { points: points.length, returned: points.length, downsampled: false, bucket_s: null, note: null, series: points.map(single) };
  }
  const first = Date.parse(points[0].time);
  const span = Date.parse(points[points.length - 1].time) - first;
  // Whole seconds, and wide enough that the last point's index stays below `limit`.
  const bucketMs = Math.max(1000, Math.ceil((span + 1) / limit / 1000) * 1000);

  const series: CompactPoint[] = [];
  let current: TrackpointView[] = [];
  let currentKey = '';
  for (const p of points) {
    const key = `${Math.floor((Date.parse(p.time) - first) / bucketMs)}|${p.leg}`;
    if (key !== currentKey && current.length) {
      series.push(bucket(current));
      current = [];
    }
    currentKey = key;
    current.push(p);
  }
  if (current.length) series.push(bucket(current));

  const bucketS = bucketMs / 1000;
  return {
    points: points.length,
    returned: series.length,
    downsampled: true,
    bucket_s: bucketS,
    note: `downsampled ${points.length.toLocaleString('en-US')} points to ${series.length} buckets of ${bucketS} s (averages per bucket; distance is the bucket's last value)`,
    series,
  };
}
