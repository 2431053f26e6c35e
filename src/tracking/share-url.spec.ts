import {
  ShareUrlError,
  assertAllowedUrl,
  cleanPastedUrl,
  parseAllowedOrigins,
  parseShareUrl,
  redactSecrets,
  redactShareUrl,
} from './share-url';

const ALLOWED = ['https://livetrack.garmin.com', 'https://gar.mn'];
const ID = '3f1c9a2e-8b7d-4c1e-9f00-a1b2c3d4e5f6';
const TOKEN = 'A1B2C3D4E5F60718293A4B5C6D7E8F9';
const CANONICAL = `https://livetrack.garmin.com/session/${ID}/token/${TOKEN}`;

function expectShareUrlError(fn: () => unknown, pattern: RegExp): ShareUrlError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ShareUrlError);
    expect((e as Error).message).toMatch(pattern);
    return e as ShareUrlError;
  }
  throw new Error('expected a ShareUrlError');
}

describe('cleanPastedUrl', () => {
  it('trims and strips <> and quotes', () => {
    expect(cleanPastedUrl(`  <${CANONICAL}>  `)).toBe(CANONICAL);
    expect(cleanPastedUrl(`"${CANONICAL}"`)).toBe(CANONICAL);
    expect(cleanPastedUrl(`'${CANONICAL}'.`)).toBe(CANONICAL);
    expect(cleanPastedUrl(`\u201c${CANONICAL}\u201d`)).toBe(CANONICAL);
  });

  it('removes quoted-printable soft breaks (CRLF and LF)', () => {
    expect(cleanPastedUrl(`https://livetrack.garmin.com/session/${ID}/tok=\r\nen/${TOKEN}`)).toBe(CANONICAL);
    expect(cleanPastedUrl(`https://livetrack.garmin.com/sess=\nion/${ID}/token/A1B2C3D4E5F6=\n0718293A4B5C6D7E8F9`)).toBe(
      CANONICAL,
    );
  });

  it('decodes =3D and then other escapes in the same QP text, once', () => {
    expect(cleanPastedUrl(`https://livetrack.garmin.com/session/${ID}?token=3D${TOKEN}`)).toBe(
      `https://livetrack.garmin.com/session/${ID}?token=${TOKEN}`,
    );
    // =3D3D is an escaped "=" followed by literal "3D": one decoding pass only.
    expect(cleanPastedUrl('https://x.test/?a=3D3D41')).toBe('https://x.test/?a=3D41');
    expect(cleanPastedUrl('https://x.test/?a=3Db=2Fc')).toBe('https://x.test/?a=b/c');
  });

  it('leaves =XX alone when the text is not quoted-printable', () => {
    // Upper-hex token right after "=": must not be read as an escape.
    expect(cleanPastedUrl(`https://livetrack.garmin.com/session/${ID}?token=AB12CD`)).toBe(
      `https://livetrack.garmin.com/session/${ID}?token=AB12CD`,
    );
    // "=41" would decode to "A" if this were QP; it is not.
    expect(cleanPastedUrl(`https://livetrack.garmin.com/session/${ID}?token=41B2C3`)).toBe(
      `https://livetrack.garmin.com/session/${ID}?token=41B2C3`,
    );
  });

  it('removes line wraps and spaces inside the URL', () => {
    expect(cleanPastedUrl(`https://livetrack.garmin.com/session/\n  ${ID}/token/\r\n${TOKEN}`)).toBe(CANONICAL);
  });
});

describe('parseAllowedOrigins', () => {
  it('normalises case, trailing slash and default ports, drops empties and duplicates', () => {
    expect(parseAllowedOrigins(' HTTPS://LiveTrack.Garmin.com/ , https://gar.mn:443,,http://127.0.0.1:8080,https://gar.mn')).toEqual([
      'https://livetrack.garmin.com',
      'https://gar.mn',
      'http://127.0.0.1:8080',
    ]);
    expect(parseAllowedOrigins('http://example.test:80')).toEqual(['http://example.test']);
  });

  it.each([
    ['https://livetrack.garmin.com/session'],
    ['https://livetrack.garmin.com?x=1'],
    ['https://livetrack.garmin.com#frag'],
    ['https://user:pw@livetrack.garmin.com'],
    ['ftp://livetrack.garmin.com'],
    ['livetrack.garmin.com'],
    ['https://'],
  ])('rejects %s naming the entry', (entry) => {
    expect(() => parseAllowedOrigins(`https://gar.mn,${entry}`)).toThrow(`"${entry}"`);
  });

  it('rejects an empty list', () => {
    expect(() => parseAllowedOrigins(' , ')).toThrow(/empty/);
  });
});

describe('assertAllowedUrl', () => {
  it('returns the URL for an allowed origin', () => {
    expect(assertAllowedUrl(CANONICAL, ALLOWED).pathname).toBe(`/session/${ID}/token/${TOKEN}`);
    expect(assertAllowedUrl(new URL('https://GAR.MN:443/x'), ALLOWED).host).toBe('gar.mn');
  });

  it('refuses an off-list origin and names it without the token', () => {
    const err = expectShareUrlError(
      () => assertAllowedUrl(`https://evil.example/session/${ID}/token/${TOKEN}`, ALLOWED),
      /origin https:\/\/evil\.example is not allowed/,
    );
    expect(err.message).not.toContain(TOKEN);
  });

  it('refuses http when only https is listed, with a hint', () => {
    expectShareUrlError(() => assertAllowedUrl(`http://livetrack.garmin.com/session/${ID}/token/${TOKEN}`, ALLOWED), /did you mean https:\/\/livetrack\.garmin\.com/);
  });

  it('refuses a different port of an allowed host', () => {
    expectShareUrlError(() => assertAllowedUrl('https://livetrack.garmin.com:8443/x', ALLOWED), /not allowed/);
  });

  it('refuses credentials even on an allowed origin', () => {
    expectShareUrlError(() => assertAllowedUrl(`https://user:pw@livetrack.garmin.com/session/${ID}/token/${TOKEN}`, ALLOWED), /credentials/);
    expectShareUrlError(() => assertAllowedUrl('https://user@livetrack.garmin.com/', ALLOWED), /credentials/);
  });

  it('refuses non-http schemes', () => {
    expectShareUrlError(() => assertAllowedUrl('file:///etc/passwd', ALLOWED), /only http\(s\)/);
    expectShareUrlError(() => assertAllowedUrl('javascript:alert(1)', ALLOWED), /only http\(s\)/);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['http://2852039166/', 'link-local'], // 169.254.169.254 as a single decimal
    ['http://0xa9.0xfe.0xa9.0xfe/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://[febf:ffff::1]:8080/', 'link-local'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
  ])('refuses %s (%s) even when listed', (url, kind) => {
    const origin = new URL(url).origin;
    expectShareUrlError(() => assertAllowedUrl(url, [...ALLOWED, origin]), new RegExp(kind));
  });

  it('does not treat fec0:: (outside fe80::/10) as link-local', () => {
    expect(assertAllowedUrl('http://[fec0::1]/', ['http://[fec0::1]']).hostname).toBe('[fec0::1]');
  });

  it('allows loopback only when listed', () => {
    expectShareUrlError(() => assertAllowedUrl('http://127.0.0.1:39000/session/a/token/B', ALLOWED), /not allowed/);
    expect(assertAllowedUrl('http://127.0.0.1:39000/session/a/token/B', ['http://127.0.0.1:39000']).port).toBe('39000');
  });

  it('refuses garbage', () => {
    expectShareUrlError(() => assertAllowedUrl('not a url', ALLOWED), /not a valid URL/);
  });
});

describe('parseShareUrl', () => {
  const expected = { sessionId: ID, token: TOKEN, origin: 'https://livetrack.garmin.com', shareUrl: CANONICAL };

  it('parses the path form', () => {
    expect(parseShareUrl(CANONICAL, ALLOWED)).toEqual(expected);
  });

  it('parses the query form into the canonical URL', () => {
    expect(parseShareUrl(`https://livetrack.garmin.com/session/${ID}?token=${TOKEN}`, ALLOWED)).toEqual(expected);
  });

  it('parses a quoted-printable e-mail copy (=3D and =\\r\\n)', () => {
    const qp = `https://livetrack.garmin.com/session/${ID}?tok=\r\nen=3D${TOKEN.slice(0, 10)}=\r\n${TOKEN.slice(10)}`;
    expect(parseShareUrl(qp, ALLOWED)).toEqual(expected);
  });

  it('parses a QP path form with soft breaks inside id and token', () => {
    const qp = `<https://livetrack.garmin.com/session/${ID.slice(0, 8)}=\n${ID.slice(8)}/token/${TOKEN.slice(0, 5)}=\r\n${TOKEN.slice(5)}>`;
    expect(parseShareUrl(qp, ALLOWED)).toEqual(expected);
  });

  it('preserves token case and accepts a trailing slash and fragment', () => {
    const r = parseShareUrl(`https://livetrack.garmin.com/session/abc-DEF/token/aBcD12/#map`, ALLOWED);
    expect(r).toEqual({
      sessionId: 'abc-DEF',
      token: 'aBcD12',
      origin: 'https://livetrack.garmin.com',
      shareUrl: 'https://livetrack.garmin.com/session/abc-DEF/token/aBcD12',
    });
  });

  it('adds https:// when the scheme was not pasted', () => {
    expect(parseShareUrl(`livetrack.garmin.com/session/${ID}/token/${TOKEN}`, ALLOWED)).toEqual(expected);
  });

  it('returns a short link for another path on an allowed origin', () => {
    const r = parseShareUrl('https://gar.mn/AbC123', ALLOWED);
    expect('shortLink' in r && r.shortLink.href).toBe('https://gar.mn/AbC123');
  });

  it('refuses a short link on an unlisted origin', () => {
    expectShareUrlError(() => parseShareUrl('https://bit.ly/abc', ALLOWED), /bit\.ly is not allowed/);
  });

  it('refuses a /session URL without token', () => {
    expectShareUrlError(() => parseShareUrl(`https://livetrack.garmin.com/session/${ID}`, ALLOWED), /no LiveTrack token: expected https:\/\/livetrack\.garmin\.com\/session\/<id>\/token\/<token>/);
    expectShareUrlError(() => parseShareUrl(`https://livetrack.garmin.com/session/${ID}/token/`, ALLOWED), /no LiveTrack token/);
    expectShareUrlError(() => parseShareUrl(`https://livetrack.garmin.com/session/${ID}?token=`, ALLOWED), /no LiveTrack token/);
  });

  it('refuses a /session URL without session id', () => {
    expectShareUrlError(() => parseShareUrl('https://livetrack.garmin.com/session/', ALLOWED), /no LiveTrack session id/);
  });

  it('refuses an origin root (nothing to follow)', () => {
    expectShareUrlError(() => parseShareUrl('https://livetrack.garmin.com/', ALLOWED), /no LiveTrack session/);
  });

  it('refuses bad characters in id or token without echoing the token', () => {
    expectShareUrlError(() => parseShareUrl('https://livetrack.garmin.com/session/ab_c/token/ABC', ALLOWED), /invalid session id/);
    const err = expectShareUrlError(() => parseShareUrl(`https://livetrack.garmin.com/session/${ID}?token=AB-CD%20EF`, ALLOWED), /invalid LiveTrack token/);
    expect(err.message).not.toContain('AB-CD');
  });

  it('refuses extra path segments after the token', () => {
    expectShareUrlError(() => parseShareUrl(`${CANONICAL}/extra`, ALLOWED), /unexpected path/);
  });

  it('refuses the empty string', () => {
    expectShareUrlError(() => parseShareUrl('  \n ', ALLOWED), /url is empty/);
  });

  it('refuses an http share URL when only https is allowed', () => {
    expectShareUrlError(() => parseShareUrl(CANONICAL.replace('https:', 'http:'), ALLOWED), /not allowed/);
  });

  it('accepts the test simulator on a listed loopback origin', () => {
    expect(parseShareUrl('http://127.0.0.1:39000/session/sim-1/token/ABC', ['http://127.0.0.1:39000'])).toEqual({
      sessionId: 'sim-1',
      token: 'ABC',
      origin: 'http://127.0.0.1:39000',
      shareUrl: 'http://127.0.0.1:39000/session/sim-1/token/ABC',
    });
  });
});

describe('redaction', () => {
  it('redacts path and query tokens in URLs', () => {
    expect(redactShareUrl(CANONICAL)).toBe(`https://livetrack.garmin.com/session/${ID}/token/***`);
    expect(redactShareUrl(`https://livetrack.garmin.com/session/${ID}?token=${TOKEN}&begin=x`)).toBe(
      `https://livetrack.garmin.com/session/${ID}?token=***&begin=x`,
    );
  });

  it('redacts tokens embedded anywhere in log text, percent-encoded too', () => {
    const line = `GET https://livetrack.garmin.com/api/sessions/${ID}/track-points/common?token=${TOKEN}&begin=2025 failed; referer ${CANONICAL}`;
    const out = redactSecrets(line);
    expect(out).toBe(
      `GET https://livetrack.garmin.com/api/sessions/${ID}/track-points/common?token=***&begin=2025 failed; referer https://livetrack.garmin.com/session/${ID}/token/***`,
    );
    expect(redactSecrets(`u=https%3A%2F%2Fx%2Fsession%2Fa%2Ftoken%2F${TOKEN}&v=token%3D${TOKEN}`)).toBe(
      'u=https%3A%2F%2Fx%2Fsession%2Fa%2Ftoken%2F***&v=token%3D***',
    );
  });

  it('is idempotent and safe on any string', () => {
    const once = redactSecrets(CANONICAL);
    expect(redactSecrets(once)).toBe(once);
    expect(redactSecrets('nothing to see')).toBe('nothing to see');
    expect(redactSecrets('')).toBe('');
  });
});
