// Race-wide and per-leg metrics from one stream of points. Live: keep one RaceMetrics per session
// and add() each poll's new points; finished race: computeMetrics() runs the same code over the
// stored points in one pass.
//
// W′ design: W′ balance is one race-long series (starts full, never reset between legs), so only
// the race accumulator computes it. A leg's w_bal_min_j / w_bal_now_j are the lowest / newest of
// that balance over the race seconds whose held point belongs to the leg; the leg accumulators keep
// no power series of their own.
import type { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import { round } from './formulas';
import { MetricsAccumulator } from './metrics-accumulator';
import type { LegMetrics, Physiology, RaceMetricsSnapshot } from './metrics.types';

export class RaceMetrics {
  private readonly race = new MetricsAccumulator({ wPrime: true });
  /** Insertion order = order in which legs first appeared. */
  private readonly legs = new Map<Leg, MetricsAccumulator>();

  /** Time (epoch ms) of the newest point taken in; null before any. */
  get lastTime(): number | null {
    return this.race.lastTime;
  }

  /** Feeds points in time order; points not newer than the newest one taken are ignored. */
  add(points: readonly TrackpointRecord[]): void {
    for (const p of points) {
      if (!this.race.addPoint(p)) continue;
      let acc = this.legs.get(p.leg);
      if (!acc) this.legs.set(p.leg, (acc = new MetricsAccumulator({ wPrime: false })));
      acc.addPoint(p);
    }
  }

  snapshot(physiology?: Physiology | null): RaceMetricsSnapshot {
    const legs: LegMetrics[] = [];
    for (const [leg, acc] of this.legs) {
      const m = acc.snapshot(physiology);
      const w = this.race.wPrimeFigures(physiology, leg);
      legs.push({ leg, ...m, w_bal_min_j: w ? round(w.min_j, 0) : null, w_bal_now_j: w ? round(w.now_j, 0) : null });
    }
    return { race: this.race.snapshot(physiology), legs };
  }
}

/** Metrics of a finished (or any stored) race: one pass over its points, oldest first. */
export function computeMetrics(points: readonly TrackpointRecord[], physiology?: Physiology | null): RaceMetricsSnapshot {
  const rm = new RaceMetrics();
  // Stored points come oldest first; sort a copy only if they do not (the accumulator drops older points).
  let sorted = true;
  for (let i = 1; i < points.length && sorted; i++) sorted = points[i - 1].time <= points[i].time;
  rm.add(sorted ? points : [...points].sort((a, b) => a.time - b.time));
  return rm.snapshot(physiology);
}
