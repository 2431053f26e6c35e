import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { SpanStatusCode } from '@opentelemetry/api';
import type { AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { ATTRS, SPANS } from '../telemetry/metrics';
import { inSpan } from '../telemetry/tracing';
import { InputError } from '../common/errors';
import type { FailureKind } from './backoff';
import { retryAfterMs } from './backoff';
import { trackPointsFromPage } from './page-fallback';
import { assertAllowedUrl, parseShareUrl, ParsedShareUrl, redactSecrets, ShareUrlError } from './share-url';

/** Browser-like UA: the share site serves API calls only to what looks like its own page. */
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 livetrack-mcp';
const MAX_REDIRECTS = 5;

/** A failed Garmin call, classified for backoff. `gone` = the session answers 404. */
export class GarminError extends Error {
  constructor(
    readonly kind: FailureKind | 'gone',
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(redactSecrets(message));
    this.name = 'GarminError';
  }
}

/** The JSON endpoints of one kind, newest form first; either may disappear (see the live-site notes). */
export type ApiKind = 'meta' | 'points' | 'courses';
export const API_PATHS: Readonly<Record<ApiKind, readonly string[]>> = Object.freeze({
  meta: ['/api/v2/sessions/{id}', '/api/sessions/{id}'],
  points: ['/api/v2/sessions/{id}/track-points/common', '/api/sessions/{id}/track-points/common'],
  courses: ['/api/v1/sessions/{id}/courses', '/api/sessions/{id}/courses', '/api/v2/sessions/{id}/courses'],
});
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Protocol state shared by every session of one origin: the CSRF token and cookies are not tied to
 * a session, so hundreds of athletes share one page load instead of one each; and which API path
 * form answers there.
 */
export class OriginState {
  readonly cookies = new Map<string, string>();
  csrf: string | null = null;
  /** Bumped by each handshake, so a 403 on an older pair knows someone already refreshed it. */
  generation = 0;
  handshakes = 0;
  refreshing: Promise<void> | null = null;
  readonly preferred: Partial<Record<ApiKind, number>> = {};
}

/** One tracked session's handle: its share URL (the origin's shared state lives in the client). */
export class GarminConnection {
  constructor(readonly share: ParsedShareUrl) {}

  get sessionId(): string {
    return this.share.sessionId;
  }
}

/**
 * The one class that speaks Garmin LiveTrack "G4": share page → CSRF meta + cookies (one pair per
 * origin) → JSON API calls with header, cookies and Referer, trying each known path form; a 403
 * refreshes the pair once for everyone. Every URL it touches, and every redirect hop, must be on
 * LIVETRACK_ALLOWED_ORIGINS (SSRF guard).
 */
@Injectable()
export class GarminClient {
  private readonly origins = new Map<string, OriginState>();

  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
  ) {}

  /** The shared state of an origin (created on first use). */
  originState(origin: string): OriginState {
    let state = this.origins.get(origin);
    if (!state) {
      state = new OriginState();
      this.origins.set(origin, state);
    }
    return state;
  }

  /**
   * Cleans and parses a pasted share URL, following short links (gar.mn, www.gar.mn) and athlete
   * pages (live.garmin.com/{user}) hop by hop: 3xx Location, or a `NEXT_REDIRECT;replace;/session/…`
   * inside a 200 body. Throws InputError.
   */
  async resolveShareUrl(raw: string, signal?: AbortSignal): Promise<ParsedShareUrl> {
    try {
      let parsed = parseShareUrl(raw, this.config.allowedOrigins);
      for (let hop = 0; 'shortLink' in parsed; hop++) {
        if (hop >= MAX_REDIRECTS) throw new ShareUrlError(`link redirected more than ${MAX_REDIRECTS} times`);
        const here = parsed.shortLink;
        const response = await this.send(here.toString(), { Accept: 'text/html,application/xhtml+xml' }, signal);
        if (isBotChallenge(response)) throw new ShareUrlError(`${redactSecrets(here.toString())} is blocked by bot protection (challenge page, HTTP ${response.status})`);
        const next = redirectTarget(response, here);
        if (!next) {
          throw new ShareUrlError(
            `${redactSecrets(here.toString())} did not lead to a LiveTrack session (HTTP ${response.status}): is the athlete live right now?`,
          );
        }
        assertAllowedUrl(next, this.config.allowedOrigins);
        parsed = parseShareUrl(next.toString(), this.config.allowedOrigins);
      }
      return parsed;
    } catch (error) {
      if (error instanceof ShareUrlError) throw new InputError(`url: ${error.message}`, ['url']);
      if (error instanceof GarminError) throw new InputError(`url: could not follow the link: ${error.message}`, ['url']);
      throw error;
    }
  }

  /** Makes sure the origin has a CSRF pair (loading this session's share page if nobody has yet). */
  async handshake(conn: GarminConnection): Promise<void> {
    const origin = this.originState(conn.share.origin);
    if (!origin.csrf) await this.refresh(conn, origin.generation);
  }

  /**
   * Does Garmin know this session? Metadata first (no page load when the origin already has a
   * pair); when every metadata path answers 404, only the session's own share page can tell.
   * Throws GarminError for anything else (a blip: the caller may start anyway).
   */
  async probeSession(conn: GarminConnection): Promise<'ok' | 'gone'> {
    return (await this.probeSessionMeta(conn)).known;
  }

  /** probeSession, with the metadata body when that is what answered (null when only the share page did). */
  async probeSessionMeta(conn: GarminConnection): Promise<{ known: 'ok' | 'gone'; meta: unknown }> {
    try {
      return { known: 'ok', meta: await this.fetchSessionMeta(conn) };
    } catch (error) {
      if (!(error instanceof GarminError) || error.kind !== 'gone') throw error;
    }
    try {
      await this.loadSharePage(conn);
      return { known: 'ok', meta: null };
    } catch (error) {
      if (error instanceof GarminError && error.kind === 'gone') return { known: 'gone', meta: null };
      throw error;
    }
  }

  /**
   * One refresh of the origin's pair at a time, from the asking session's own share page (so a pair
   * that does not carry over between sessions still works for it). A caller whose 403 came from
   * an older pair than the current one just retries with the current one.
   */
  private async refresh(conn: GarminConnection, seenGeneration: number): Promise<'newer' | 'loaded'> {
    const origin = this.originState(conn.share.origin);
    if (origin.csrf && origin.generation !== seenGeneration) return 'newer';
    // Not bound to the caller's abort signal: other sessions may be waiting on the same refresh.
    origin.refreshing ??= this.loadSharePage(conn)
      .then(() => undefined)
      .finally(() => {
        origin.refreshing = null;
      });
    await origin.refreshing;
    return 'loaded';
  }

  /**
   * Last resort when the JSON endpoint has changed shape: the points embedded in the share page
   * (loading it also refreshes the origin's cookies and CSRF token).
   */
  async fetchTrackPointsFromPage(conn: GarminConnection, beginMs: number | null, signal?: AbortSignal): Promise<{ trackPoints: unknown[] }> {
    const found = trackPointsFromPage(await this.loadSharePage(conn, signal), beginMs, { sessionId: conn.sessionId, token: conn.share.token });
    if (!found) throw new GarminError('malformed', 'share page carries no embedded track points either');
    return { trackPoints: found.trackPoints };
  }

  /** GETs the share page (following redirects hop by hop) and keeps its cookies and CSRF token for the origin. */
  private async loadSharePage(conn: GarminConnection, signal?: AbortSignal): Promise<string> {
    let url = new URL(conn.share.shareUrl);
    for (let hop = 0; ; hop++) {
      const response = await this.send(url.toString(), { Accept: 'text/html,application/xhtml+xml' }, signal, conn, url.origin);
      if (isBotChallenge(response)) {
        throw new GarminError('forbidden', `share page: blocked by bot protection (challenge page, HTTP ${response.status})`, response.status);
      }
      const location = response.headers['location'];
      if (REDIRECTS.has(response.status) && typeof location === 'string') {
        if (hop >= MAX_REDIRECTS) throw new GarminError('malformed', `share page redirected more than ${MAX_REDIRECTS} times`, response.status);
        url = new URL(location, url);
        continue; // send() checks the next hop against the allow-list
      }
      this.raiseForStatus(response, 'share page');
      const html = typeof response.data === 'string' ? response.data : '';
      const csrf = extractCsrfToken(html);
      if (!csrf) throw new GarminError('malformed', 'share page carries no csrf-token meta tag', response.status);
      const origin = this.originState(conn.share.origin);
      origin.csrf = csrf;
      origin.generation++;
      origin.handshakes++;
      return html;
    }
  }

  fetchSessionMeta(conn: GarminConnection, signal?: AbortSignal): Promise<unknown> {
    return this.api(conn, 'meta', {}, 'session metadata', signal);
  }

  /** Track points from `beginMs` on (Garmin's begin is inclusive), or all of them; `undefined` = empty body. */
  fetchTrackPoints(conn: GarminConnection, beginMs: number | null, signal?: AbortSignal): Promise<unknown> {
    const query: Record<string, string> = {};
    if (beginMs !== null) query.begin = new Date(beginMs).toISOString();
    return this.api(conn, 'points', query, 'track points', signal);
  }

  /** The planned course, if the watch carries one. */
  fetchCourses(conn: GarminConnection, signal?: AbortSignal): Promise<unknown> {
    return this.api(conn, 'courses', {}, 'courses', signal);
  }

  /**
   * Tries the origin's remembered path form first, then the others; a 404 on one form is no
   * verdict while another may answer. 404 on every form → GarminError 'gone'.
   */
  private async api(conn: GarminConnection, kind: ApiKind, query: Record<string, string>, what: string, signal?: AbortSignal): Promise<unknown> {
    await this.handshake(conn);
    const origin = this.originState(conn.share.origin);
    const forms = API_PATHS[kind];
    const first = origin.preferred[kind] ?? 0;
    const order = [first, ...forms.map((_, i) => i).filter((i) => i !== first)];
    let notFound: AxiosResponse | null = null;
    for (const index of order) {
      const url = new URL(forms[index].replace('{id}', encodeURIComponent(conn.sessionId)), conn.share.origin);
      url.searchParams.set('token', conn.share.token);
      for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
      const response = await this.sendApi(conn, url.toString(), signal);
      if (response.status === 404) {
        notFound = response;
        continue;
      }
      if (response.status >= 200 && response.status < 300) origin.preferred[kind] = index;
      this.raiseForStatus(response, what);
      return parseJsonBody(response, what);
    }
    this.raiseForStatus(notFound!, what);
    return undefined;
  }

  /**
   * One API GET. A plain 403 retries with a pair someone else refreshed meanwhile, else refreshes
   * the pair (one handshake per call at most) and retries once more.
   */
  private async sendApi(conn: GarminConnection, url: string, signal?: AbortSignal): Promise<AxiosResponse> {
    const origin = this.originState(conn.share.origin);
    for (let attempt = 0; ; attempt++) {
      const generation = origin.generation;
      const response = await this.send(url, this.apiHeaders(conn, origin), signal, conn);
      if (response.status !== 403 || isBotChallenge(response) || attempt >= 2) return response;
      if ((await this.refresh(conn, generation)) === 'loaded') {
        const retried = await this.send(url, this.apiHeaders(conn, origin), signal, conn);
        return retried;
      }
    }
  }

  private apiHeaders(conn: GarminConnection, origin: OriginState): Record<string, string> {
    return {
      Accept: 'application/json',
      'livetrack-csrf-token': origin.csrf ?? '',
      Referer: conn.share.shareUrl,
    };
  }

  private raiseForStatus(response: AxiosResponse, what: string): void {
    const status = response.status;
    if (status >= 200 && status < 300) return;
    if (isBotChallenge(response)) throw new GarminError('forbidden', `${what}: blocked by bot protection (challenge page, HTTP ${status})`, status);
    if (status === 404) throw new GarminError('gone', `${what}: Garmin answered 404 (session unknown or expired)`, status);
    if (status === 403) throw new GarminError('forbidden', `${what}: Garmin answered 403 even after a fresh handshake`, status);
    if (status === 429) {
      const header = response.headers['retry-after'];
      throw new GarminError('rate_limited', `${what}: Garmin answered 429 (rate limited)`, status, retryAfterMs(typeof header === 'string' ? header : undefined, Date.now()));
    }
    if (status >= 500) throw new GarminError('server', `${what}: Garmin answered ${status}`, status);
    throw new GarminError('malformed', `${what}: unexpected HTTP ${status}`, status);
  }

  /** One GET in its own span (token redacted, HTTP status recorded); see sendNow. */
  private send(url: string, headers: Record<string, string>, signal?: AbortSignal, conn?: GarminConnection, cookieOrigin?: string): Promise<AxiosResponse> {
    const attributes = { [ATTRS.garminCall]: garminCallKind(url), [ATTRS.httpMethod]: 'GET', [ATTRS.urlFull]: redactSecrets(url), ...(conn ? { [ATTRS.sessionId]: conn.sessionId } : {}) };
    return inSpan(SPANS.garminCall, attributes, async (span) => {
      const response = await this.sendNow(url, headers, signal, conn ? this.originState(cookieOrigin ?? conn.share.origin) : undefined);
      span.setAttribute(ATTRS.httpStatus, response.status);
      if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
      return response;
    });
  }

  /** One GET; never follows redirects itself (each hop is checked by the caller's next send). */
  private async sendNow(url: string, headers: Record<string, string>, signal?: AbortSignal, jar?: OriginState): Promise<AxiosResponse> {
    assertAllowedUrl(url, this.config.allowedOrigins);
    const cookie = jar && jar.cookies.size ? [...jar.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
    try {
      const response = await firstValueFrom(
        this.http.get(url, {
          headers: { 'User-Agent': USER_AGENT, ...headers, ...(cookie ? { Cookie: cookie } : {}) },
          maxRedirects: 0,
          timeout: this.config.requestTimeoutMs,
          responseType: 'text',
          transformResponse: (data: unknown) => data,
          validateStatus: () => true,
          signal,
          proxy: false,
        }),
      );
      if (jar) storeCookies(jar, response.headers['set-cookie']);
      return response;
    } catch (error) {
      const e = error as { code?: string; message?: string; name?: string };
      if (e.name === 'CanceledError' || e.code === 'ERR_CANCELED') throw new GarminError('network', 'request aborted');
      if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') {
        throw new GarminError('timeout', `Garmin did not answer within ${this.config.requestTimeoutMs} ms`);
      }
      throw new GarminError('network', `cannot reach Garmin: ${e.code ?? e.message ?? 'network error'}`);
    }
  }
}

/** Where a link leads: a 3xx Location, or Next.js's `NEXT_REDIRECT;replace;/session/…` inside a 200 body. */
export function redirectTarget(response: Pick<AxiosResponse, 'status' | 'headers' | 'data'>, base: URL): URL | null {
  const location = response.headers['location'];
  try {
    if (REDIRECTS.has(response.status) && typeof location === 'string') return new URL(location, base);
    if (response.status === 200 && typeof response.data === 'string') {
      const m = /NEXT_REDIRECT;(?:replace|push);([^;"'\\\s<>]+)/.exec(response.data);
      if (m) return new URL(m[1], base);
    }
  } catch {
    /* an unparseable target leads nowhere */
  }
  return null;
}

/**
 * A bot-protection challenge instead of the real answer (often 403 or 503 HTML with a `cf-`-style
 * header or a "challenge" body). Re-doing the handshake cannot help; it is backed off like a 403.
 */
export function isBotChallenge(response: Pick<AxiosResponse, 'status' | 'headers' | 'data'>): boolean {
  if (![200, 403, 429, 503].includes(response.status)) return false;
  if (String(response.headers['cf-mitigated'] ?? '').toLowerCase() === 'challenge') return true;
  const type = String(response.headers['content-type'] ?? '');
  if (!/html/i.test(type) || typeof response.data !== 'string') return false;
  const head = response.data.slice(0, 20_000);
  if (response.status === 200) return /challenge-platform|cf-chl-|__cf_chl/i.test(head);
  return /challenge-platform|cf-chl-|__cf_chl|just a moment|attention required|verify you are (a )?human|captcha|bot protection|\bchallenge\b/i.test(head);
}

/** Which Garmin call a URL is, for telemetry (a low-cardinality label, never the URL itself). */
export function garminCallKind(url: string): 'share_page' | 'session_meta' | 'track_points' | 'courses' | 'short_link' | 'other' {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'other';
  }
  if (/^\/api(\/v\d+)?\/sessions\/[^/]+\/track-points\b/.test(path)) return 'track_points';
  if (/^\/api(\/v\d+)?\/sessions\/[^/]+\/courses\b/.test(path)) return 'courses';
  if (/^\/api(\/v\d+)?\/sessions\/[^/]+\/?$/.test(path)) return 'session_meta';
  if (/^\/session\//.test(path)) return 'share_page';
  return 'short_link';
}

/** `<meta name="csrf-token" content="…">` (some builds: livetrack-csrf-token), any attribute order. */
export function extractCsrfToken(html: string): string | null {
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    const name = /\bname\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1]?.toLowerCase();
    if (name !== 'csrf-token' && name !== 'livetrack-csrf-token') continue;
    const content = /\bcontent\s*=\s*["']([^"']*)["']/i.exec(tag)?.[1];
    if (content) return content;
  }
  return null;
}

function storeCookies(jar: OriginState, setCookie: string[] | string | undefined): void {
  for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    const pair = line.split(';', 1)[0];
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/;\s*max-age=0/i.test(line) || value === '') jar.cookies.delete(name);
    else jar.cookies.set(name, value);
  }
}

/** The parsed body; `undefined` for an empty one (the points endpoint's "nothing new"). */
function parseJsonBody(response: AxiosResponse, what: string): unknown {
  const text = typeof response.data === 'string' ? response.data : '';
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    const start = text.trimStart().slice(0, 30).replace(/\s+/g, ' ');
    const type = String(response.headers['content-type'] ?? 'no content-type');
    throw new GarminError('malformed', `${what}: body is not valid JSON (${type}, ${text.length} bytes, starts "${start}")`, response.status);
  }
}
