// Share-URL rules: cleaning what a person pastes, the SSRF origin guard, parsing, and token
// redaction. Pure functions; the HTTP client follows short links and calls these per hop.

const EXPECTED_FORM = 'https://livetrack.garmin.com/session/<id>/token/<token>';

/** A share URL the service cannot use; the message says what to fix. Never contains the token. */
export class ShareUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShareUrlError';
  }
}

export interface ParsedShareUrl {
  sessionId: string;
  token: string;
  /** e.g. https://livetrack.garmin.com */
  origin: string;
  /** canonical `${origin}/session/${sessionId}/token/${token}` — contains the secret token */
  shareUrl: string;
}

const SESSION_ID_RE = /^[A-Za-z0-9-]{1,128}$/;
const TOKEN_RE = /^[A-Za-z0-9]{1,256}$/;

// QP soft break: "=" at the end of a line (transports may leave trailing blanks after it).
const SOFT_BREAK_RE = /=[ \t]*(?:\r\n|\n|\r)/g;
const LEADING_WRAPPERS = new Set(['<', '"', "'", '`', '(', '[', '\u201c', '\u2018', '\u00ab']);
const TRAILING_WRAPPERS = new Set(['>', '"', "'", '`', ')', ']', '\u201d', '\u2019', '\u00bb', '.', ',', ';', ':', '!', '?']);

/**
 * Turns a pasted URL (chat, e-mail source, markdown) into a plain URL string. Does not
 * validate; parseShareUrl does.
 */
export function cleanPastedUrl(raw: string): string {
  let text = String(raw ?? '');
  const hadSoftBreak = /=[ \t]*(?:\r\n|\n|\r)/.test(text);
  text = text.replace(SOFT_BREAK_RE, '');
  // Line wraps and indentation from mail clients; a URL never contains raw whitespace.
  text = text.replace(/\s+/g, '');
  text = stripWrappers(text);
  // "=3D" is QP for "="; when it (or a soft break) is present, the text is QP, so every
  // other =XX is an escape too. Decode in one pass so a decoded "=" is never re-read as an
  // escape. Trade-off: a genuine query token starting with "3D" would be mangled; the path form
  // (the common one) has no "=" and is unaffected.
  if (hadSoftBreak || /=3D/i.test(text)) {
    text = text.replace(/=(3[Dd]|[0-9A-F]{2})/g, (match, hex: string) => {
      const code = parseInt(hex, 16);
      return code >= 0x20 && code <= 0x7e ? String.fromCharCode(code) : match;
    });
    text = stripWrappers(text);
  }
  return text;
}

function stripWrappers(input: string): string {
  let text = input;
  let start = 0;
  let end = text.length;
  while (start < end && LEADING_WRAPPERS.has(text[start])) start++;
  while (end > start && TRAILING_WRAPPERS.has(text[end - 1])) end--;
  text = text.slice(start, end);
  return text;
}

/**
 * Parses LIVETRACK_ALLOWED_ORIGINS. Each entry must be a bare http(s) origin; it is returned
 * normalised (lower-case host, default port dropped, no trailing slash). Throws naming the entry.
 */
export function parseAllowedOrigins(csv: string): string[] {
  const out: string[] = [];
  for (const part of String(csv ?? '').split(',')) {
    const entry = part.trim();
    if (entry === '') continue; // tolerate "a,b," and spaces
    const origin = normaliseOrigin(entry);
    if (origin === null) {
      throw new Error(
        `allowed origin "${entry}" is not a bare http(s) origin: expected scheme://host[:port] with no path, query or credentials`,
      );
    }
    if (!out.includes(origin)) out.push(origin);
  }
  if (out.length === 0) {
    throw new Error('allowed origins list is empty: expected comma-separated scheme://host[:port] entries');
  }
  return out;
}

function normaliseOrigin(entry: string): string | null {
  // Reject before URL parsing: the WHATWG parser would silently accept and drop parts of these.
  const m = /^(https?):\/\/([^/?#@\s\\]+)\/?$/i.exec(entry);
  if (!m) return null;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.hostname === '') return null;
  return url.origin;
}

/**
 * SSRF guard for the pasted URL and every redirect hop. Returns the parsed URL when allowed.
 */
export function assertAllowedUrl(url: string | URL, allowedOrigins: string[]): URL {
  let parsed: URL;
  if (url instanceof URL) {
    parsed = url;
  } else {
    try {
      parsed = new URL(url);
    } catch {
      throw new ShareUrlError(`"${redactSecrets(String(url)).slice(0, 200)}" is not a valid URL: expected ${EXPECTED_FORM}`);
    }
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ShareUrlError(`only http(s) URLs can be tracked, got ${parsed.protocol.replace(/:$/, '')}: expected ${EXPECTED_FORM}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ShareUrlError('url must not contain credentials (user:password@): paste the plain LiveTrack share URL');
  }
  const ipProblem = forbiddenIpLiteral(parsed.hostname);
  if (ipProblem) {
    throw new ShareUrlError(`url host ${parsed.hostname} is refused: ${ipProblem} addresses are never tracked`);
  }
  const allowed = allowedOrigins.map((o) => normaliseOrigin(o.trim()) ?? o.trim().toLowerCase());
  if (!allowed.includes(parsed.origin)) {
    const other = `${parsed.protocol === 'http:' ? 'https:' : 'http:'}//${parsed.host}`;
    const hint = allowed.includes(other) ? ` (did you mean ${other}?)` : '';
    throw new ShareUrlError(
      `origin ${parsed.origin} is not allowed${hint}: allowed origins are ${allowed.join(', ')} (LIVETRACK_ALLOWED_ORIGINS)`,
    );
  }
  return parsed;
}

/** Returns why a host is refused when it is an IP literal in a forbidden range, else null. */
function forbiddenIpLiteral(hostname: string): string | null {
  // WHATWG URL already normalises IPv4 forms (decimal, hex, short) to dotted quads.
  const v4 = parseIpv4(hostname);
  if (v4) return ipv4Problem(v4);
  if (hostname.startsWith('[') && hostname.endsWith(']')) {
    const v6 = parseIpv6(hostname.slice(1, -1));
    if (!v6) return null;
    if (v6.every((h) => h === 0)) return 'unspecified';
    if ((v6[0] & 0xffc0) === 0xfe80) return 'link-local';
    // IPv4-mapped (::ffff:a.b.c.d) reaches the IPv4 address; check it as such.
    if (v6.slice(0, 5).every((h) => h === 0) && v6[5] === 0xffff) {
      return ipv4Problem([v6[6] >> 8, v6[6] & 0xff, v6[7] >> 8, v6[7] & 0xff]);
    }
  }
  return null;
}

function ipv4Problem(o: number[]): string | null {
  if (o[0] === 169 && o[1] === 254) return 'link-local';
  // 0.0.0.0 reaches the local host on Linux; the rest of 0/8 is not routable either.
  if (o[0] === 0) return 'unspecified';
  return null;
}

function parseIpv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((n) => n <= 255) ? octets : null;
}

function parseIpv6(text: string): number[] | null {
  let body = text.toLowerCase();
  const zone = body.indexOf('%');
  if (zone >= 0) body = body.slice(0, zone);
  // Trailing dotted quad (::ffff:1.2.3.4) becomes two hextets.
  const quad = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (quad) {
    const o = parseIpv4(quad[2]);
    if (!o) return null;
    body = `${quad[1]}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const toHextets = (s: string): number[] | null => {
    if (s === '') return [];
    const parts = s.split(':');
    if (!parts.every((p) => /^[0-9a-f]{1,4}$/.test(p))) return null;
    return parts.map((p) => parseInt(p, 16));
  };
  const head = toHextets(halves[0]);
  const tail = halves.length === 2 ? toHextets(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/**
 * Cleans and checks a pasted share URL. Returns the session id and token, or `{ shortLink }`
 * for any other path on an allowed origin (e.g. https://gar.mn/abc), which the caller follows
 * by redirect (checking each hop with assertAllowedUrl) and parses again.
 */
export function parseShareUrl(raw: string, allowedOrigins: string[]): ParsedShareUrl | { shortLink: URL } {
  let cleaned = cleanPastedUrl(raw);
  if (cleaned === '') {
    throw new ShareUrlError(`url is empty: expected ${EXPECTED_FORM}`);
  }
  // People often paste without the scheme; LiveTrack is https-only.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(cleaned) && /^[a-z0-9.-]+\.[a-z]{2,}(:\d+)?(\/|$)/i.test(cleaned)) {
    cleaned = `https://${cleaned}`;
  }
  const url = assertAllowedUrl(cleaned, allowedOrigins);

  const segments = url.pathname.split('/').filter((s) => s !== '');
  if (segments.length === 0) {
    throw new ShareUrlError(`url has no LiveTrack session: expected ${EXPECTED_FORM}`);
  }
  if (segments[0].toLowerCase() !== 'session') {
    url.hash = '';
    return { shortLink: url };
  }

  const sessionId = segments[1];
  if (sessionId === undefined) {
    throw new ShareUrlError(`url has no LiveTrack session id: expected ${EXPECTED_FORM}`);
  }
  if (!SESSION_ID_RE.test(sessionId)) {
    throw new ShareUrlError(`url has an invalid session id (letters, digits and "-" only): expected ${EXPECTED_FORM}`);
  }

  let token: string | null = null;
  if (segments[2] !== undefined) {
    if (segments[2].toLowerCase() !== 'token' || segments.length > 4) {
      throw new ShareUrlError(`url has an unexpected path after the session id: expected ${EXPECTED_FORM}`);
    }
    token = segments[3] ?? null;
  } else {
    token = url.searchParams.get('token');
  }
  if (token === null || token === '') {
    throw new ShareUrlError(`url has no LiveTrack token: expected ${EXPECTED_FORM}`);
  }
  if (!TOKEN_RE.test(token)) {
    throw new ShareUrlError(`url has an invalid LiveTrack token (letters and digits only): expected ${EXPECTED_FORM}`);
  }
  return {
    sessionId,
    token,
    origin: url.origin,
    shareUrl: `${url.origin}/session/${sessionId}/token/${token}`,
  };
}

/** The share URL with its token replaced by *** (path and query forms). */
export function redactShareUrl(url: string): string {
  return redactSecrets(url);
}

/**
 * Redacts LiveTrack tokens anywhere in free text (log lines, error messages, URLs), including
 * percent-encoded copies. Over-redacts any `*token=` parameter on purpose. Idempotent.
 */
export function redactSecrets(text: string): string {
  return String(text ?? '')
    .replace(/(\/token\/)[^/?#&\s"'<>]+/gi, '$1***')
    // Viewer links (/watch/<token>): the token opens a race's live view.
    .replace(/(\/watch\/)[^/?#&\s"'<>]+/gi, '$1***')
    .replace(/(%2Fwatch%2F)[^%&#\s"'<>/?]+/gi, '$1***')
    .replace(/(token=)[^&#\s"'<>;,]+/gi, '$1***')
    .replace(/(%2Ftoken%2F)[^%&#\s"'<>/?]+/gi, '$1***')
    .replace(/(token%3D)[^%&#\s"'<>]+/gi, '$1***');
}
