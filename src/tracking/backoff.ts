// Backoff after failed Garmin calls (see shared/docs/garmin-livetrack.md, "Being a good client").
// Backoff only delays Garmin calls; race-end logic keeps running regardless.

export type FailureKind = 'rate_limited' | 'server' | 'timeout' | 'forbidden' | 'malformed' | 'network';

export interface BackoffRule {
  /** delay after the first failure */
  baseMs: number;
  /** the exponential stops growing here (jitter applies around it) */
  capMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const BACKOFF_TABLE: Readonly<Record<FailureKind, Readonly<BackoffRule>>> = Object.freeze({
  rate_limited: Object.freeze({ baseMs: 2 * MINUTE, capMs: 15 * MINUTE }), // 429: back off long
  server: Object.freeze({ baseMs: 30 * SECOND, capMs: 10 * MINUTE }), // 5xx
  timeout: Object.freeze({ baseMs: 30 * SECOND, capMs: 10 * MINUTE }),
  network: Object.freeze({ baseMs: 30 * SECOND, capMs: 10 * MINUTE }),
  forbidden: Object.freeze({ baseMs: 1 * MINUTE, capMs: 5 * MINUTE }), // 403 even after a fresh handshake
  malformed: Object.freeze({ baseMs: 30 * SECOND, capMs: 5 * MINUTE }), // body changed shape
});

/** ±20 %: spreads pollers apart without making a race's next poll unpredictable (full jitter would). */
export const BACKOFF_JITTER = 0.2;

/** Upper bound honoured for Retry-After, so a bogus header cannot park a session for days. */
export const RETRY_AFTER_MAX_MS = 60 * MINUTE;

/**
 * Delay before the next attempt after `consecutiveFailures` failures in a row (1 = first).
 * Centre value min(cap, base·2^(n−1)); the result lies in [0.8, 1.2] × that centre.
 */
export function backoffDelayMs(
  kind: FailureKind,
  consecutiveFailures: number,
  random: () => number = Math.random,
): number {
  const rule = BACKOFF_TABLE[kind] ?? BACKOFF_TABLE.server;
  const n = Number.isFinite(consecutiveFailures) ? Math.max(1, Math.floor(consecutiveFailures)) : 1;
  // Exponent clamped so huge failure counts cannot overflow to Infinity.
  const centre = Math.min(rule.capMs, rule.baseMs * 2 ** Math.min(n - 1, 30));
  let r = Number(random());
  if (!Number.isFinite(r)) r = 0.5;
  r = Math.min(1, Math.max(0, r));
  return Math.round(centre * (1 + BACKOFF_JITTER * (2 * r - 1)));
}

/**
 * Parses a Retry-After header: delay-seconds or an HTTP date. Returns milliseconds from `now`
 * (0 for a date in the past), or undefined when absent or unparseable. The caller waits
 * max(backoff, retryAfter).
 */
export function retryAfterMs(headerValue: string | undefined, now: number): number | undefined {
  if (headerValue === undefined || headerValue === null) return undefined;
  const value = String(headerValue).trim();
  if (value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    return Math.min(RETRY_AFTER_MAX_MS, Math.round(Number(value) * SECOND));
  }
  // Only something shaped like an HTTP date: Date.parse accepts far too much on its own.
  const looksLikeDate =
    /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b/i.test(value) && /\d{1,2}:\d{2}:\d{2}/.test(value);
  if (!looksLikeDate) return undefined;
  // asctime dates carry no zone; HTTP dates are always GMT.
  const withZone = /\b(gmt|utc|z)\b|[+-]\d{4}\b/i.test(value) ? value : `${value} GMT`;
  const at = Date.parse(withZone);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(0, at - now));
}
