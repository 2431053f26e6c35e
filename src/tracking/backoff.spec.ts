import { BACKOFF_JITTER, BACKOFF_TABLE, RETRY_AFTER_MAX_MS, backoffDelayMs, retryAfterMs, type FailureKind } from './backoff';

const MID = () => 0.5; // no jitter
const LOW = () => 0; // -20 %
const HIGH = () => 0.999999; // ≈ +20 %

describe('BACKOFF_TABLE', () => {
  it('follows the doc', () => {
    expect(BACKOFF_TABLE.rate_limited).toEqual({ baseMs: 120_000, capMs: 900_000 });
    expect(BACKOFF_TABLE.server).toEqual({ baseMs: 30_000, capMs: 600_000 });
    expect(BACKOFF_TABLE.timeout).toEqual({ baseMs: 30_000, capMs: 600_000 });
    expect(BACKOFF_TABLE.network).toEqual({ baseMs: 30_000, capMs: 600_000 });
    expect(BACKOFF_TABLE.forbidden).toEqual({ baseMs: 60_000, capMs: 300_000 });
    expect(BACKOFF_TABLE.malformed).toEqual({ baseMs: 30_000, capMs: 300_000 });
    expect(BACKOFF_JITTER).toBe(0.2);
  });

  it('is frozen', () => {
    expect(() => {
      (BACKOFF_TABLE.server as { baseMs: number }).baseMs = 1;
    }).toThrow();
  });
});

describe('backoffDelayMs', () => {
  it('doubles per consecutive failure until the cap (429)', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs('rate_limited', n, MID))).toEqual([
      120_000, 240_000, 480_000, 900_000, 900_000, 900_000,
    ]);
  });

  it('5xx, timeouts and network errors start at 30 s and cap at 10 min', () => {
    for (const kind of ['server', 'timeout', 'network'] as FailureKind[]) {
      expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(kind, n, MID))).toEqual([
        30_000, 60_000, 120_000, 240_000, 480_000, 600_000,
      ]);
    }
  });

  it('403 goes 1, 2, 4, 5, 5 min; malformed 30 s … 5 min', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs('forbidden', n, MID))).toEqual([60_000, 120_000, 240_000, 300_000, 300_000]);
    expect([1, 4, 5, 6].map((n) => backoffDelayMs('malformed', n, MID))).toEqual([30_000, 240_000, 300_000, 300_000]);
  });

  it('applies ±20 % jitter from the random source', () => {
    expect(backoffDelayMs('server', 1, LOW)).toBe(24_000);
    expect(backoffDelayMs('server', 1, HIGH)).toBe(36_000);
    expect(backoffDelayMs('server', 1, () => 0.75)).toBe(33_000);
    expect(backoffDelayMs('rate_limited', 10, LOW)).toBe(720_000);
    expect(backoffDelayMs('rate_limited', 10, HIGH)).toBe(1_080_000);
  });

  it('stays within the jitter bounds for any random value', () => {
    for (let i = 0; i <= 100; i++) {
      const r = i / 100;
      const d = backoffDelayMs('forbidden', 3, () => r);
      expect(d).toBeGreaterThanOrEqual(240_000 * 0.8);
      expect(d).toBeLessThanOrEqual(240_000 * 1.2);
    }
  });

  it('treats 0, negative, NaN failure counts as the first failure and survives huge counts', () => {
    expect(backoffDelayMs('server', 0, MID)).toBe(30_000);
    expect(backoffDelayMs('server', -3, MID)).toBe(30_000);
    expect(backoffDelayMs('server', Number.NaN, MID)).toBe(30_000);
    expect(backoffDelayMs('server', 10_000, MID)).toBe(600_000);
  });

  it('clamps a misbehaving random source', () => {
    expect(backoffDelayMs('server', 1, () => 5)).toBe(36_000);
    expect(backoffDelayMs('server', 1, () => -1)).toBe(24_000);
    expect(backoffDelayMs('server', 1, () => Number.NaN)).toBe(30_000);
  });

  it('uses Math.random by default', () => {
    const d = backoffDelayMs('server', 1);
    expect(d).toBeGreaterThanOrEqual(24_000);
    expect(d).toBeLessThanOrEqual(36_000);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-06-01T08:00:00Z');

  it('parses delay-seconds', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('1.5', now)).toBe(1_500);
  });

  it('parses an IMF-fixdate relative to now', () => {
    expect(retryAfterMs('Sun, 01 Jun 2025 08:05:00 GMT', now)).toBe(300_000);
  });

  it('parses obsolete RFC 850 and asctime dates as GMT', () => {
    expect(retryAfterMs('Sunday, 01-Jun-25 08:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Sun Jun  1 08:02:00 2025', now)).toBe(120_000);
  });

  it('returns 0 for a date in the past', () => {
    expect(retryAfterMs('Sun, 01 Jun 2025 07:00:00 GMT', now)).toBe(0);
  });

  it('caps absurd values', () => {
    expect(retryAfterMs('99999999', now)).toBe(RETRY_AFTER_MAX_MS);
    expect(retryAfterMs('Wed, 01 Jan 2031 00:00:00 GMT', now)).toBe(RETRY_AFTER_MAX_MS);
  });

  it.each([[undefined], [''], ['  '], ['-5'], ['soon'], ['abc 1'], ['12s'], ['1e3'], ['Sun, 99 Foo 2025 GMT']])(
    'returns undefined for %p',
    (v) => {
      expect(retryAfterMs(v, now)).toBeUndefined();
    },
  );
});
