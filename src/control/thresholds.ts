/** Threshold fields accepted by /control and race_config (integers: bpm, watts, rpm / spm). */
export const THRESHOLD_FIELDS = [
  'hr_max', 'hr_min', 'power_max', 'power_min', 'cadence_min', 'run_hr_max', 'run_hr_min', 'run_cadence_min',
] as const;

export type ThresholdField = (typeof THRESHOLD_FIELDS)[number];
export type Thresholds = Record<ThresholdField, number | null>;

export const EMPTY_THRESHOLDS: Thresholds = Object.fromEntries(THRESHOLD_FIELDS.map((f) => [f, null])) as Thresholds;

const PAIRS: Array<[ThresholdField, ThresholdField]> = [
  ['hr_min', 'hr_max'],
  ['power_min', 'power_max'],
  ['run_hr_min', 'run_hr_max'],
];

/**
 * Picks the threshold fields out of any object (race_config or a /control body). An explicit null
 * clears a threshold (e.g. drop the HR ceiling); absent fields stay as they are.
 */
export function pickThresholds(source: Partial<Record<string, unknown>>): Partial<Thresholds> {
  const picked: Partial<Thresholds> = {};
  for (const field of THRESHOLD_FIELDS) {
    const value = source[field];
    if (typeof value === 'number' || value === null) picked[field] = value;
  }
  return picked;
}

/** Applies an update over current thresholds and checks every min ≤ max pair that ends up set. */
export function mergeThresholds(current: Partial<Thresholds>, update: Partial<Thresholds>): { thresholds: Thresholds; errors: string[] } {
  const thresholds = { ...EMPTY_THRESHOLDS, ...current, ...update };
  const errors: string[] = [];
  for (const [min, max] of PAIRS) {
    const lo = thresholds[min];
    const hi = thresholds[max];
    if (lo !== null && hi !== null && lo > hi) {
      errors.push(`${min} (${lo}) must not be greater than ${max} (${hi})`);
    }
  }
  return { thresholds, errors };
}
