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

/** Append-only Float64 array that doubles its capacity (compact per-second series). */
export class F64Series {
  private buf: Float64Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Float64Array(initialCapacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
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
 * Append-only Float32 array, same growth rule: half the memory of F64Series for sensor readings
 * (watts, bpm, m/s with a few decimals), which float32 holds to about seven significant digits.
 */
export class F32Series {
  private buf: Float32Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Float32Array(initialCapacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  at(i: number): number {
    return this.buf[i];
  }
}

/** Append-only Uint8 array, same growth rule. */
export class U8Series {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(initialCapacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  at(i: number): number {
    return this.buf[i];
  }
}
