import { HR_ZONE_PCT, POWER_ZONE_PCT, round, wPrimeStep, zoneIndex, F32Series, U8Series } from './formulas';

describe('zoneIndex', () => {
  it('power zones on FTP 200: lower bounds inclusive', () => {
    const z = (w: number) => zoneIndex(w, 200, POWER_ZONE_PCT) + 1;
    expect([0, 109, 110, 149, 150, 179, 180, 209, 210, 239, 240, 299, 300, 2000].map(z)).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7,
    ]);
  });

  it('HR zones on LTHR 160 (85 % = 136 exactly, no float rounding)', () => {
    const z = (b: number) => zoneIndex(b, 160, HR_ZONE_PCT) + 1;
    expect([100, 135, 136, 143, 144, 151, 152, 159, 160, 190].map(z)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // 0.55 * 200 is 110.00000000000001 in floating point; 110 W must still be Z2 on FTP 200.
    expect(zoneIndex(110, 200, POWER_ZONE_PCT) + 1).toBe(2);
  });
});

describe('wPrimeStep', () => {
  it('depletes above CP by the excess, recovers exponentially below', () => {
    expect(wPrimeStep(20000, 350, 250, 20000)).toBe(19900);
    expect(wPrimeStep(10000, 150, 250, 20000)).toBe(10050);
    expect(wPrimeStep(20000, 100, 250, 20000)).toBe(20000);
    expect(wPrimeStep(10000, 250, 250, 20000)).toBe(10000);
  });
});

describe('helpers', () => {
  it('round keeps null and non-finite as null', () => {
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(null, 2)).toBeNull();
    expect(round(NaN, 2)).toBeNull();
  });

  it('U8Series grows', () => {
    const s = new U8Series(2);
    for (let i = 0; i < 10; i++) s.push(i);
    expect(s.length).toBe(10);
    expect(s.at(9)).toBe(9);
  });

  it('F32Series grows and holds sensor readings exactly enough', () => {
    const s = new F32Series(2);
    for (const v of [250, 3.27, 151]) s.push(v);
    expect(s.length).toBe(3);
    expect(s.at(0)).toBe(250);
    expect(s.at(1)).toBeCloseTo(3.27, 6);
    expect(s.at(2)).toBe(151);
  });
});
