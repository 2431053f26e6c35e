import {
  bearerToken, cookieValue, hashViewerToken, looksLikeViewerToken, newViewerToken, safeNextPath, sameSecret, setCookieHeader,
  signInCookie, validSignInCookie,
} from './access-tokens';

describe('access tokens', () => {
  it('parses bearer tokens and compares secrets of any length', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; livetrack_session=v1.2.x; b=3', 'livetrack_session')).toBe('v1.2.x');
    expect(cookieValue('xlivetrack_session=1', 'livetrack_session')).toBeNull();
    expect(cookieValue('livetrack_session=%E0%A4%A', 'livetrack_session')).toBeNull();
    expect(cookieValue(undefined, 'a')).toBeNull();
  });

  it('signs sign-in cookies that hold no key, expire, and die with a new API_KEY', () => {
    const now = Date.UTC(2026, 5, 1);
    const { value, maxAgeS } = signInCookie('s3cret', now, 3600);
    expect(maxAgeS).toBe(3600);
    expect(value).not.toContain('s3cret');
    expect(validSignInCookie(value, 's3cret', now + 3_599_000)).toBe(true);
    expect(validSignInCookie(value, 's3cret', now + 3_600_000)).toBe(false);
    expect(validSignInCookie(value, 's3cret2', now)).toBe(false);
    // Moving the expiry breaks the signature.
    const [v, exp, sig] = value.split('.');
    expect(validSignInCookie(`${v}.${Number(exp) + 999_999}.${sig}`, 's3cret', now)).toBe(false);
    expect(validSignInCookie(null, 's3cret', now)).toBe(false);
    expect(validSignInCookie('garbage', 's3cret', now)).toBe(false);
  });

  it('sets the cookie HttpOnly and SameSite=Strict, Secure over HTTPS', () => {
    expect(setCookieHeader('v', 60, false)).toBe('livetrack_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict');
    expect(setCookieHeader('v', 60, true)).toMatch(/; Secure$/);
  });

  it('goes back only to a path of this site after signing in', () => {
    expect(safeNextPath('/dashboard/abc?x=1')).toBe('/dashboard/abc?x=1');
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'dashboard', undefined, 42, '/a\r\nSet-Cookie: x']) {
      expect(safeNextPath(bad)).toBe('/dashboard');
    }
  });

  it('makes 256-bit viewer tokens and stores only their hash', () => {
    const a = newViewerToken();
    const b = newViewerToken();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(looksLikeViewerToken(a)).toBe(true);
    expect(looksLikeViewerToken('short')).toBe(false);
    expect(looksLikeViewerToken(`${a.slice(0, 42)}/`)).toBe(false);
    expect(hashViewerToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashViewerToken(a)).not.toContain(a);
  });
});
