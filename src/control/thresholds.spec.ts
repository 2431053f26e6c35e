import { EMPTY_THRESHOLDS, mergeThresholds, pickThresholds } from './thresholds';

describe('thresholds', () => {
  it('picks only threshold fields; null clears, absent keeps', () => {
    expect(pickThresholds({ hr_max: 150, run_hr_max: null, race_name: 'x', power_max: '200' })).toEqual({ hr_max: 150, run_hr_max: null });
    const { thresholds } = mergeThresholds({ hr_max: 150, run_hr_max: 160 }, { run_hr_max: null });
    expect(thresholds).toEqual({ ...EMPTY_THRESHOLDS, hr_max: 150, run_hr_max: null });
  });

  it('checks every min ≤ max pair that ends up set, including against stored values', () => {
    expect(mergeThresholds({ hr_max: 150 }, { hr_min: 151 }).errors).toEqual(['hr_min (151) must not be greater than hr_max (150)']);
    expect(mergeThresholds({ hr_max: 150 }, { hr_min: 150 }).errors).toEqual([]);
    expect(mergeThresholds({ power_min: 200 }, { power_max: 100, run_hr_min: 170, run_hr_max: 160 }).errors).toHaveLength(2);
    expect(mergeThresholds({ hr_min: 151, hr_max: 150 }, { hr_min: null }).errors).toEqual([]);
  });
});
