// The secrets of access, as plain functions: the dashboard's sign-in cookie and viewer-link tokens.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the dashboard's sign-in cookie. */
export const SIGN_IN_COOKIE = 'livetrack_session';
/** How long one sign-in lasts: a race weekend, so race morning needs no new sign-in. */
export const SIGN_IN_TTL_S = 7 * 24 * 3600;

/** Compares in constant time; hashing first makes the lengths equal without leaking the key's. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The key from `Authorization: Bearer <key>`, or null. */
export function bearerToken(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer[ \t]+(\S.*)$/i.exec(value?.trim() ?? '');
  return match ? match[1].trim() : null;
}

/** One cookie's value from a `Cookie:` header (RFC 6265 pairs), or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const raw = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The signing key of sign-in cookies, derived from API_KEY: the cookie never carries the key,
 * and changing API_KEY signs everybody out.
 */
function cookieKey(apiKey: string): Buffer {
  return createHash('sha256').update(`livetrack-mcp sign-in cookie\u0000${apiKey}`).digest();
}

function signature(apiKey: string, payload: string): string {
  return createHmac('sha256', cookieKey(apiKey)).update(payload).digest('base64url');
}

/** A sign-in cookie value: `v1.<expiry epoch s>.<HMAC>`. */
export function signInCookie(apiKey: string, nowMs = Date.now(), ttlS = SIGN_IN_TTL_S): { value: string; maxAgeS: number } {
  const payload = `v1.${Math.floor(nowMs / 1000) + ttlS}`;
  return { value: `${payload}.${signature(apiKey, payload)}`, maxAgeS: ttlS };
}

/** Whether a cookie value was signed with this API_KEY and has not expired. */
export function validSignInCookie(value: string | null, apiKey: string, nowMs = Date.now()): boolean {
  if (!value) return false;
  const match = /^(v1\.(\d{1,12}))\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const expected = Buffer.from(signature(apiKey, match[1]));
  const given = Buffer.from(match[3]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return Number(match[2]) * 1000 > nowMs;
}

/** The `Set-Cookie` header: HttpOnly, SameSite=Strict, Secure over HTTPS, for the whole site. */
export function setCookieHeader(value: string, maxAgeS: number, secure: boolean): string {
  return [`${SIGN_IN_COOKIE}=${value}`, 'Path=/', `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}

/** Where to go after signing in: a path on this site only, so the form cannot redirect elsewhere. */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || /[\r\n]/.test(next)) {
    return '/dashboard';
  }
  return next.length > 2000 ? '/dashboard' : next;
}

// ---------- viewer links ----------

/** Random bytes of a viewer-link token: 256 bits, base64url (43 characters). */
const VIEWER_TOKEN_BYTES = 32;
const VIEWER_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newViewerToken(): string {
  return randomBytes(VIEWER_TOKEN_BYTES).toString('base64url');
}

/** What is stored of a token: its SHA-256 (a 256-bit random token needs no slow hash). */
export function hashViewerToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Whether a path segment can be a viewer token at all (anything else is refused unread). */
export function looksLikeViewerToken(token: string): boolean {
  return VIEWER_TOKEN_PATTERN.test(token);
}
