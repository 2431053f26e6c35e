// Small exact formulas shared by the accumulator: zone lookup, W′ step, input hygiene.

/** Coggan power zone lower bounds, % of FTP (Z1 starts at 0). */
export const POWER_ZONE_PCT: readonly number[] = [0, 55, 75, 90, 105, 120, 150];
/** Friel HR zone lower bounds, % of LTHR (Z1 starts at 0). */
export const HR_ZONE_PCT: readonly number[] = [0, 85, 90, 95, 100];

/**
 * 0-based zone of `value` given lower bounds in % of `threshold` (lower bound inclusive).
 * Compares value × 100 against pct × threshold so 85 % of 160 bpm is exactly 136, with no
 * floating-point rounding deciding a boundary second.
 */
export function zoneIndex(value: number, threshold: number, lowerPct: readonly number[]): number {
  const v = value * 100;
  for (let z = lowerPct.length - 1; z > 0; z--) if (v >= lowerPct[z] * threshold) return z;
  return 0;
}

/** One second of the differential W′ balance model (Froncioni/Skiba/Clarke). */
export function wPrimeStep(bal: number, powerW: number, cpW: number, wPrimeJ: number): number {
  return powerW > cpW ? bal - (powerW - cpW) : bal + ((cpW - powerW) * (wPrimeJ - bal)) / wPrimeJ;
}

/** A usable physiology value: finite and > 0, else null. */
export function positive(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
}

export function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Rounds for output; null stays null. */
export function round(v: number | null, decimals: number): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** Append-only typed array that doubles its capacity (the compact per-second series). */
class GrowableSeries<A extends Float32Array | Uint8Array> {
  private buf: A;
  length = 0;

  constructor(
    private readonly make: (capacity: number) => A,
    initialCapacity: number,
  ) {
    this.buf = make(initialCapacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = this.make(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  at(i: number): number {
    return this.buf[i];
  }
}

/**
 * Float32: half the memory of a Float64 series for sensor readings (watts, bpm, m/s with a few
 * decimals), which float32 holds to about seven significant digits.
 */
export class F32Series extends GrowableSeries<Float32Array> {
  constructor(initialCapacity = 1024) {
    super((n) => new Float32Array(n), initialCapacity);
  }
}

/** Uint8 (leg codes). */
export class U8Series extends GrowableSeries<Uint8Array> {
  constructor(initialCapacity = 1024) {
    super((n) => new Uint8Array(n), initialCapacity);
  }
}
